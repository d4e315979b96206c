"""Outbound actions: what features ask the platforms to do.

Features never call a platform. They emit these immutable values; the pipeline stores them
in the outbox in the same transaction as the state change, and the delivery worker performs
them through the bot's adapter. Every action names the ``bot`` that delivers it, which need
not be the bot that received the event (a Telegram report can land in a Slack inbox).

A message the bot may later edit or delete gets a ``key`` (for example ``"poll:12"``): the
worker remembers the platform message id under ``(bot, key)`` and resolves it for
:class:`EditMessage` and :class:`DeleteMessage`, even across restarts.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter
from pydantic.dataclasses import dataclass

from core.refs import ChannelRef, CommunityRef, MessageRef
from core.text import Text


class ButtonStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Button:
    """A button; ``data`` is a compact, bot-authored payload (at most 64 bytes, never user
    text). ``fallback`` is what a member types instead where the platform has no buttons."""

    label: str
    data: str
    style: ButtonStyle = ButtonStyle.DEFAULT
    fallback: str | None = None


ButtonRows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SendMessage:
    bot: str
    channel: ChannelRef
    text: Text
    buttons: ButtonRows = ()
    reply_to: MessageRef | None = None
    key: str | None = None
    silent: bool = False
    interaction_id: str | None = None
    """Set when answering a slash command or button press (Discord follow-ups, Slack
    ``response_url``); adapters that need no such thing ignore it."""
    kind: Literal["send_message"] = "send_message"


@dataclass(frozen=True, slots=True, kw_only=True)
class SendDirect:
    """A private message. If the platform refuses it, ``fallback_channel`` gets the text
    with a mention of the member instead, so nothing is lost silently."""

    bot: str
    user_id: str
    display_name: str
    text: Text
    buttons: ButtonRows = ()
    fallback_channel: ChannelRef | None = None
    key: str | None = None
    kind: Literal["send_direct"] = "send_direct"


@dataclass(frozen=True, slots=True, kw_only=True)
class SendEphemeral:
    """Visible only to one member (Slack ephemeral, Discord ephemeral follow-up); platforms
    without it degrade to a direct message."""

    bot: str
    channel: ChannelRef
    user_id: str
    display_name: str
    text: Text
    interaction_id: str | None = None
    kind: Literal["send_ephemeral"] = "send_ephemeral"


@dataclass(frozen=True, slots=True, kw_only=True)
class EditMessage:
    """Replace text and buttons of a message, named by ``key`` or by ``message``.

    Edits of one key are coalesced by the delivery worker: only the newest pending edit is
    sent, so a poll tally under fast voting costs one edit per rate window."""

    bot: str
    text: Text
    buttons: ButtonRows = ()
    key: str | None = None
    message: MessageRef | None = None
    kind: Literal["edit_message"] = "edit_message"


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteMessage:
    bot: str
    key: str | None = None
    message: MessageRef | None = None
    kind: Literal["delete_message"] = "delete_message"


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerButton:
    """Acknowledge a button press with an optional short toast (Telegram
    ``answerCallbackQuery``, a Discord ephemeral follow-up, a Slack ephemeral)."""

    bot: str
    interaction_id: str
    toast: str = ""
    alert: bool = False
    channel: ChannelRef | None = None
    user_id: str | None = None
    kind: Literal["answer_button"] = "answer_button"


@dataclass(frozen=True, slots=True, kw_only=True)
class RestrictMember:
    """Mute: the member may read but not write until ``until`` (None: until lifted)."""

    bot: str
    community: CommunityRef
    user_id: str
    channel: ChannelRef | None = None
    until: datetime | None = None
    kind: Literal["restrict_member"] = "restrict_member"


@dataclass(frozen=True, slots=True, kw_only=True)
class UnrestrictMember:
    bot: str
    community: CommunityRef
    user_id: str
    channel: ChannelRef | None = None
    kind: Literal["unrestrict_member"] = "unrestrict_member"


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveMember:
    bot: str
    community: CommunityRef
    user_id: str
    channel: ChannelRef | None = None
    kind: Literal["remove_member"] = "remove_member"


Action = (
    SendMessage
    | SendDirect
    | SendEphemeral
    | EditMessage
    | DeleteMessage
    | AnswerButton
    | RestrictMember
    | UnrestrictMember
    | RemoveMember
)

_ACTION_ADAPTER: TypeAdapter[Action] = TypeAdapter(Annotated[Action, Field(discriminator="kind")])


def action_to_payload(action: Action) -> dict[str, Any]:
    """JSON-ready form of an action, for the outbox."""
    payload: dict[str, Any] = _ACTION_ADAPTER.dump_python(action, mode="json")
    return payload


def action_from_payload(payload: dict[str, Any]) -> Action:
    return _ACTION_ADAPTER.validate_python(payload)
