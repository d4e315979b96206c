"""What a platform adapter can do; the core degrades visibly where it cannot."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never


class Capability(StrEnum):
    BUTTONS = "buttons"
    EDIT = "edit"
    DELETE = "delete"
    DIRECT_MESSAGES = "direct_messages"
    RESTRICT = "restrict"
    REMOVE = "remove"
    REACTIONS = "reactions"
    THREADS = "threads"
    FILES = "files"
    EPHEMERAL = "ephemeral"
    MESSAGE_CONTENT = "message_content"
    """The bot can read ordinary message text (Discord needs a privileged intent)."""
    ROLES = "roles"
    """The bot can give members a role and take it away (Discord): a gate by role."""
    USER_GROUPS = "user_groups"
    """The bot can add members to named groups and take them out (Slack user groups, where
    the workspace's plan allows): enough for a reward (:class:`core.actions.GiveRole`),
    not for a permission gate, so it is not :attr:`ROLES`."""
    PIN = "pin"
    """The bot can pin a message it sent (Telegram, Discord, Slack); without it
    :class:`core.actions.PinMessage` is dropped with a log line (:mod:`core.degrade`)."""
    CROSSPOST = "crosspost"
    """The platform has channels that other communities follow (Discord announcement
    channels), where :class:`core.actions.CrosspostMessage` publishes a message."""
    SCHEDULED_EVENTS = "scheduled_events"
    """The platform has its own event object a bot can create, change and cancel (Discord
    guild scheduled events): ``/event`` mirrors ours there."""
    FORMS = "forms"
    """The platform can ask a member for text in a form answering a button press: Discord
    modals, Slack modals (``views.open``). Without it :class:`core.actions.AskText`
    becomes a private hint saying which command to type (:mod:`core.degrade`)."""


class PrivateChats(StrEnum):
    """How a chat id tells a private chat (one member and the bot) from a group, for the
    per-chat limit. Direct-message lanes (``dm:``, :func:`storage.store.lane_of`) are
    private on every platform; this rule decides for a message sent to a chat by id."""

    NONE = "none"
    """Only direct-message lanes are private (Discord: a DM channel id looks like any other
    channel's, and both share the same per-channel route limit anyway)."""
    POSITIVE_IDS = "positive_ids"
    """Telegram: a private chat's id is the member's (positive); groups are negative."""
    D_PREFIX = "d_prefix"
    """Slack: a direct-message (im) channel id starts with ``D``."""


def is_private_chat(rule: PrivateChats, chat_id: str) -> bool:
    match rule:
        case PrivateChats.NONE:
            return False
        case PrivateChats.POSITIVE_IDS:
            return chat_id.isdigit() and int(chat_id) > 0
        case PrivateChats.D_PREFIX:
            return chat_id.startswith("D")
        case _:
            assert_never(rule)


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Outbound shaping, set from the platform's published limits.

    ``per_bot`` messages per second over all chats; ``per_chat`` messages per
    ``per_chat_window`` seconds within one group or channel; ``per_private`` per
    ``per_private_window`` within one private chat (None: the group limit), which chats are
    private being told by ``private_chats``. The delivery worker paces each limit evenly a
    little under it (:data:`core.ratelimit.HEADROOM`). ``burst`` is how many messages may go
    at once after a quiet spell: 1 (none saved up) for every real platform, since a saved-up
    burst on top of a steady rate is exactly what a strict window refuses with a 429.
    """

    per_bot: float
    per_chat: float
    per_chat_window: float
    burst: int = 1
    max_text: int = 4096
    per_private: float | None = None
    per_private_window: float = 1.0
    private_chats: PrivateChats = PrivateChats.NONE
