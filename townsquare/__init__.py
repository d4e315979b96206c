"""townsquare: a community-management bot framework for Telegram, Discord and Slack.

The installed distribution has this one top-level package; the repository's folders are
mapped under it (``townsquare.core`` is ``core/``, ``townsquare.storage`` is ``storage/``, and
so on). What people writing their own features need is importable from here::

    from townsquare import CommandSpec, Context, Feature, Invocation, MemberJoined, command, on
"""

from __future__ import annotations

from townsquare.core.actions import Button, SendDirect, SendEphemeral, SendMessage
from townsquare.core.buttons import Alias, MaxLen, Payload
from townsquare.core.commands import CommandSpec, Invocation, Option, Param
from townsquare.core.events import (
    ButtonPressed,
    CommandIssued,
    Event,
    JobDue,
    MemberJoined,
    MemberLeft,
    MessagePosted,
)
from townsquare.core.facts import Fact
from townsquare.core.features import (
    Context,
    Feature,
    command,
    job,
    on,
    pressed,
    resolves,
    subcommand,
)
from townsquare.core.roles import Role
from townsquare.core.settings import FeatureSettings, setting
from townsquare.core.store import Transaction
from townsquare.core.text import (
    Text,
    bold,
    code,
    compose,
    italic,
    lines,
    link,
    mention,
    plain,
)

__all__ = [
    "Alias",
    "Button",
    "ButtonPressed",
    "CommandIssued",
    "CommandSpec",
    "Context",
    "Event",
    "Fact",
    "Feature",
    "FeatureSettings",
    "Invocation",
    "JobDue",
    "MaxLen",
    "MemberJoined",
    "MemberLeft",
    "MessagePosted",
    "Option",
    "Param",
    "Payload",
    "Role",
    "SendDirect",
    "SendEphemeral",
    "SendMessage",
    "Text",
    "Transaction",
    "bold",
    "code",
    "command",
    "compose",
    "italic",
    "job",
    "lines",
    "link",
    "mention",
    "on",
    "plain",
    "pressed",
    "resolves",
    "setting",
    "subcommand",
]
