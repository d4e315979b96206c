"""What a platform adapter can do; the core degrades visibly where it cannot."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
    FORMS = "forms"
    """The platform can ask a member for text in a form answering a button press: Discord
    modals, Slack modals (``views.open``). Without it :class:`core.actions.AskText`
    becomes a private hint saying which command to type (:mod:`core.degrade`)."""


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Outbound shaping published by the platform.

    ``per_bot`` messages per second over all chats; ``per_chat`` messages per
    ``per_chat_window`` seconds within one chat, with ``burst`` extra at once.
    """

    per_bot: float
    per_chat: float
    per_chat_window: float
    burst: int = 1
    max_text: int = 4096
