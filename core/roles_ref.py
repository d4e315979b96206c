"""A role named in a command's argument (``/levels role 5 @Regulars``) -> the platform's
role id that :class:`~core.actions.GiveRole` carries.

* Discord: a role mention ``<@&123456789012345678>`` (what the client sends when a
  manager picks ``@Role``) or the bare id (Developer Mode's "Copy Role ID").
* Slack: a user group reference ``<!subteam^S0123ABC|@regulars>`` or ``<!subteam^S0123ABC>``
  (how Slack escapes one) or the bare id ``S0123ABC`` (the group's "Copy group ID"). A
  plain ``@regulars`` handle names no id here: resolving handles is the platform's.

Anything else is ``None``, and so is anything around the reference (``<@&1> and more``),
other mentions (``<@123>``, ``<!here>``, ``@everyone``), ids of the wrong shape or size and
text with control characters: the caller answers with a one-line hint. The result is only
ever an id of digits or of ``S`` and capitals, so it can never become markup or a mention.
"""

from __future__ import annotations

import re

MAX_REFERENCE = 200
"""Characters of argument looked at; a role reference is far shorter."""

_SNOWFLAKE = r"[1-9][0-9]{14,19}"
_DISCORD = re.compile(rf"<@&({_SNOWFLAKE})>|({_SNOWFLAKE})")
_GROUP_ID = r"S[0-9A-Z]{2,20}"
_SLACK = re.compile(rf"<!subteam\^({_GROUP_ID})(?:\|@?[^<>|\x00-\x1f\x7f]{{1,80}})?>|({_GROUP_ID})")
_MAX_SNOWFLAKE = 2**63 - 1
"""Discord ids are 64-bit integers, and in practice below 2**63 (a millisecond clock)."""


def is_slack_group_id(value: str) -> bool:
    """True for the shape of a Slack user group id (``S`` and capitals or digits)."""
    return re.fullmatch(_GROUP_ID, value) is not None


def is_discord_role_id(value: str) -> bool:
    """True for a Discord snowflake (15 to 20 digits, within 64 bits, not zero)."""
    return re.fullmatch(_SNOWFLAKE, value) is not None and int(value) <= _MAX_SNOWFLAKE


def parse_role_ref(text: str, platform: str) -> str | None:
    """The role id ``text`` names on ``platform`` (``"discord"``, ``"slack"``), or None:
    for another platform (Telegram and the console have no roles to name), for anything
    that is not exactly one reference, and for hostile input (see the module)."""
    if len(text) > MAX_REFERENCE:
        return None
    text = text.strip()
    match platform:
        case "discord":
            found = _DISCORD.fullmatch(text)
            role = (found.group(1) or found.group(2)) if found else None
            return role if role is not None and is_discord_role_id(role) else None
        case "slack":
            found = _SLACK.fullmatch(text)
            return (found.group(1) or found.group(2)) if found else None
        case _:
            return None
