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

import base64
import binascii
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, TypeAdapter
from pydantic.dataclasses import dataclass

from townsquare.core.refs import ChannelRef, CommunityRef, MessageRef
from townsquare.core.text import Text


class ButtonStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Button:
    """A button; ``data`` is a compact, bot-authored payload (at most 64 bytes, never user
    text). ``fallback`` is what a member types instead where the platform has no buttons.

    ``asks_text``: a press may be answered with a form (:class:`AskText`). A form has to be
    the first answer to the press on Discord, so adapters that acknowledge presses at once
    (Discord defers every interaction) must not acknowledge this one before the core has
    answered it (or a short wait ran out); see :mod:`adapters.discord.transport`."""

    label: str
    data: str
    style: ButtonStyle = ButtonStyle.DEFAULT
    fallback: str | None = None
    asks_text: bool = False


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
    idempotency_key: str | None = None
    """Stable across retries and processes (the delivery worker sets the outbox row id):
    an adapter whose platform drops a repeated create may pass it (Discord's ``nonce`` with
    ``enforce_nonce``), so a send repeated after a crash is posted once."""
    on_failure: SendDirect | None = None
    """For a message a manager caused (a poll, an answer, an announcement): what to tell
    them privately if the platform refuses it (built where the message is, in their
    language, by :func:`core.refusals.with_manager_notice`). The delivery worker adds the
    platform's reason as a last line. A notice never carries a notice of its own."""
    on_give_up: SendDirect | None = None
    """Like ``on_failure``, for when delivery gives up after its retries."""
    kind: Literal["send_message"] = "send_message"


@dataclass(frozen=True, slots=True, kw_only=True)
class SendDirect:
    """A private message. If the platform refuses it, ``fallback_channel`` gets the text
    with a mention of the member instead, so nothing is lost silently.

    With ``fallback_text`` the channel gets that text instead, without the buttons, naming
    the member only if that text does: a reporter stays anonymous there (the offender must
    not learn who reported), a manager a case cannot reach is called without the case.
    Such a fallback is never remembered under ``key``, so edits of the private message
    never reach the chat."""

    bot: str
    user_id: str
    display_name: str
    text: Text
    buttons: ButtonRows = ()
    fallback_channel: ChannelRef | None = None
    fallback_text: Text | None = None
    key: str | None = None
    idempotency_key: str | None = None
    """As :attr:`SendMessage.idempotency_key`."""
    kind: Literal["send_direct"] = "send_direct"


MAX_FILE_BYTES = 8 * 1024 * 1024
"""The largest file a feature may send (8 MiB): under every platform's upload limit for
bots (Discord allows 10 MiB in a server without boosts, Telegram 50 MB, Slack 1 GB) and
small enough for an outbox row (stored base64, a third larger). A larger file is never
stored: the capability fallback (:func:`core.degrade.degrade`) replaces it with a visible
message saying it is too large, with the caption."""


def _decode_file_data(value: Any) -> Any:
    """The outbox stores file bytes as base64 text; a feature passes ``bytes``."""
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as error:
            raise ValueError("file data must be bytes (base64 text in the outbox)") from error
    return value


FileData = Annotated[
    bytes,
    BeforeValidator(_decode_file_data),
    PlainSerializer(lambda data: base64.b64encode(data).decode("ascii"), when_used="json"),
]


@dataclass(frozen=True, slots=True, kw_only=True)
class SendFile:
    """A file (a CSV export, a report) sent to a channel or privately to a member.

    Exactly one of ``channel`` and ``user_id`` is set. ``data`` is the file's bytes (a
    feature with text encodes it, UTF-8 for CSV); the outbox stores the action as JSON, so
    the bytes travel as base64 there and come back as bytes. ``caption`` is neutral text
    shown with the file (each adapter escapes it as it does messages).

    Where the platform lacks :attr:`~core.capabilities.Capability.FILES` the core sends the
    caption and the file's text as ordinary message(s) instead, split at the platform's
    length limit (a binary file becomes a notice naming it). A file larger than
    :data:`MAX_FILE_BYTES` is replaced by a visible notice that it is too large. A private
    file the platform refuses (blocked bot, closed DMs) goes to ``fallback_channel`` with a
    mention of the member, as :class:`SendDirect` does; without one it fails loudly."""

    bot: str
    filename: str
    data: FileData
    mime_type: str = "application/octet-stream"
    caption: Text = Field(default_factory=Text)
    channel: ChannelRef | None = None
    user_id: str | None = None
    display_name: str = ""
    fallback_channel: ChannelRef | None = None
    idempotency_key: str | None = None
    """As :attr:`SendMessage.idempotency_key`."""
    kind: Literal["send_file"] = "send_file"

    def __post_init__(self) -> None:
        if (self.channel is None) == (self.user_id is None):
            raise ValueError("a file goes either to a channel or to a member (user_id)")
        if not self.filename or "/" in self.filename or "\\" in self.filename:
            raise ValueError(f"not a file name: {self.filename!r}")

    @property
    def private(self) -> bool:
        return self.user_id is not None


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


MAX_FORM_TITLE = 45
"""Characters of a form's title and of its field's label: Discord's modal limits (Slack
allows 24 for a modal title; its adapter shortens a longer one with an ellipsis)."""
MAX_FORM_TEXT = 3000
"""The most a form may ask for: Slack's ``plain_text_input`` allows 3,000 characters,
Discord's text input 4,000."""
MAX_PLACEHOLDER = 100
"""Characters of a field's placeholder (Discord 100, Slack 150)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AskText:
    """Answer a button press with a form that asks the member for one text (Discord
    modal, Slack modal through ``views.open``).

    The submitted form comes back as :class:`core.events.ButtonPressed` with this
    ``data`` and the entered ``text``, so the feature that owns the button handles the
    submission like a press (and must authorize it again: a form is not a permission).
    ``data`` follows :attr:`Button.data`'s rules (compact, bot-authored, at most 64
    bytes). The button should set :attr:`Button.asks_text`, so that Discord can still
    open the form as the press's first answer.

    ``fallback_text`` is the private hint shown instead where the platform has no forms
    (:mod:`core.degrade` turns the action into :class:`AnswerButton` with it as an
    alert, on Telegram and the console) or where the form can no longer be opened (the
    press was already acknowledged, Slack's ``trigger_id`` expired). ``submit`` is the
    submit button's text where the platform lets the bot name it (Slack); empty means
    the adapter's default. Addressed like :class:`AnswerButton`."""

    bot: str
    interaction_id: str
    title: str
    label: str
    data: str
    fallback_text: str
    min_length: int = 1
    max_length: int = MAX_FORM_TEXT
    placeholder: str = ""
    submit: str = ""
    channel: ChannelRef | None = None
    user_id: str | None = None
    kind: Literal["ask_text"] = "ask_text"

    def __post_init__(self) -> None:
        for name in ("title", "label"):
            value = getattr(self, name)
            if not value.strip() or len(value) > MAX_FORM_TITLE:
                raise ValueError(f"a form's {name} has 1 to {MAX_FORM_TITLE} characters")
        if not self.data or len(self.data.encode()) > 64:
            raise ValueError("a form's data has 1 to 64 bytes, like a button's")
        if not 0 <= self.min_length <= self.max_length or self.max_length < 1:
            raise ValueError("a form needs 0 <= min_length <= max_length, max_length >= 1")
        if self.max_length > MAX_FORM_TEXT:
            raise ValueError(f"a form asks for at most {MAX_FORM_TEXT} characters")
        if len(self.placeholder) > MAX_PLACEHOLDER:
            raise ValueError(f"a form's placeholder has at most {MAX_PLACEHOLDER} characters")


@dataclass(frozen=True, slots=True, kw_only=True)
class RestrictMember:
    """Mute: the member may read but not write until ``until`` (None: until lifted).

    With ``role_id`` (platforms with :attr:`~core.capabilities.Capability.ROLES`, Discord)
    the member is given that role instead of a mute; the community's channel permissions
    decide what the role may do. :class:`UnrestrictMember` with the same ``role_id`` takes
    it away again."""

    bot: str
    community: CommunityRef
    user_id: str
    channel: ChannelRef | None = None
    until: datetime | None = None
    role_id: str | None = None
    on_failure: SendMessage | None = None
    """The notice to send if the platform refuses this action (built by :mod:`core.refusals`)."""
    on_give_up: SendMessage | None = None
    """The notice to send if delivery gives up after its retries (the platform kept failing)."""
    kind: Literal["restrict_member"] = "restrict_member"


@dataclass(frozen=True, slots=True, kw_only=True)
class UnrestrictMember:
    bot: str
    community: CommunityRef
    user_id: str
    channel: ChannelRef | None = None
    role_id: str | None = None
    """Take this role away (see :class:`RestrictMember`) instead of lifting a mute."""
    on_failure: SendMessage | None = None
    """The notice to send if the platform refuses this action (built by :mod:`core.refusals`)."""
    on_give_up: SendMessage | None = None
    """The notice to send if delivery gives up after its retries (the platform kept failing)."""
    kind: Literal["unrestrict_member"] = "unrestrict_member"


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveMember:
    bot: str
    community: CommunityRef
    user_id: str
    channel: ChannelRef | None = None
    on_failure: SendMessage | None = None
    """The notice to send if the platform refuses this action (built by :mod:`core.refusals`)."""
    on_give_up: SendMessage | None = None
    """The notice to send if delivery gives up after its retries (the platform kept failing)."""
    kind: Literal["remove_member"] = "remove_member"


@dataclass(frozen=True, slots=True, kw_only=True)
class _RoleChange:
    """What giving and taking a role share (not an action of its own)."""

    bot: str
    community: CommunityRef
    user_id: str
    role_id: str
    reason: str = ""
    on_failure: SendMessage | None = None
    """The notice for managers if the platform refuses (built by :mod:`core.refusals`)."""
    on_give_up: SendMessage | None = None
    """The notice for managers if delivery gives up after its retries."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GiveRole(_RoleChange):
    """Give a member a role: a Discord role (member role PUT), a Slack user group (the
    member added to its users), printed on the console.

    ``role_id`` is the platform's id (a Discord role snowflake, a Slack user group id
    ``S...``; see :func:`core.roles_ref.parse_role_ref`). ``reason`` is shown where the
    platform keeps one (Discord's audit log). Where the platform has neither
    :attr:`~core.capabilities.Capability.ROLES` nor
    :attr:`~core.capabilities.Capability.USER_GROUPS` (Telegram: a group member has no
    roles, and the bot never promotes anyone to administrator to carry a title),
    :mod:`core.degrade` sends ``on_failure`` instead, or logs a line without one."""

    kind: Literal["give_role"] = "give_role"


@dataclass(frozen=True, slots=True, kw_only=True)
class TakeRole(_RoleChange):
    """Take a role (:class:`GiveRole`) away again; taking one the member lacks is done."""

    kind: Literal["take_role"] = "take_role"


@dataclass(frozen=True, slots=True, kw_only=True)
class PinMessage:
    """Pin a message the bot sent, named by ``key`` (resolved by the delivery worker,
    after the keyed send: both travel in the lane of ``channel``) or by ``message``:
    Telegram ``pinChatMessage``, a Discord pin, Slack ``pins.add``.

    Where the platform has no :attr:`~core.capabilities.Capability.PIN` (the console)
    :mod:`core.degrade` drops it with a log line; a feature that pins for a manager
    says so when it is asked. A pin the platform refuses (the bot may not pin there)
    sends ``on_failure`` to the manager, as :class:`SendMessage` does; pinning a message
    already pinned is done."""

    bot: str
    channel: ChannelRef
    key: str | None = None
    message: MessageRef | None = None
    silent: bool = True
    """Pin without notifying the chat (Telegram notifies every member otherwise; the
    message itself already notified them)."""
    on_failure: SendDirect | None = None
    """As :attr:`SendMessage.on_failure`."""
    on_give_up: SendDirect | None = None
    """As :attr:`SendMessage.on_give_up`."""
    kind: Literal["pin_message"] = "pin_message"


@dataclass(frozen=True, slots=True, kw_only=True)
class UnpinMessage:
    """Unpin a message the bot pinned, named like :class:`PinMessage` (by ``key``, in the
    lane of ``channel``, or by ``message``): Telegram ``unpinChatMessage``, the Discord
    pin route's DELETE, Slack ``pins.remove``. A message that is not pinned (any more) is
    done. It tells nobody when it fails (the next pin is what the manager asked for).
    Where the platform has no :attr:`~core.capabilities.Capability.PIN` it is dropped
    like a pin."""

    bot: str
    channel: ChannelRef
    key: str | None = None
    message: MessageRef | None = None
    kind: Literal["unpin_message"] = "unpin_message"


@dataclass(frozen=True, slots=True, kw_only=True)
class CrosspostMessage:
    """Publish a message the bot sent to the servers that follow its channel: on a
    Discord announcement channel (type 5), ``POST .../messages/{id}/crosspost``. Named
    like :class:`PinMessage`. In any other channel there is nobody to publish to and it
    is done at once; platforms without followers (no
    :attr:`~core.capabilities.Capability.CROSSPOST`) never get it (:mod:`core.degrade`).

    Its own lane per channel, not paced as a message: Discord allows a channel about ten
    publications an hour, and a long 429 there must hold up only the publications, never
    the channel's messages or the bot."""

    bot: str
    channel: ChannelRef
    key: str | None = None
    message: MessageRef | None = None
    kind: Literal["crosspost_message"] = "crosspost_message"


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateScheduledEvent:
    """Mirror one of our events as the platform's own scheduled event (a Discord guild
    scheduled event, shown in the guild's Events list). Platforms without
    :attr:`~core.capabilities.Capability.SCHEDULED_EVENTS` skip it (:mod:`core.degrade`).

    ``key`` names it like a message's key: the delivery worker remembers the platform's
    id under it, so :class:`UpdateScheduledEvent` and :class:`CancelScheduledEvent` of
    the same key reach it, across restarts too. Everything here is plain text the adapter
    sends as such (a scheduled event has no markup). A creation the platform refuses (the
    bot lacks Manage Events) sends ``on_failure``, as :class:`SendMessage` does."""

    bot: str
    community: CommunityRef
    key: str
    name: str
    starts_at: datetime
    ends_at: datetime
    location: str
    description: str = ""
    idempotency_key: str | None = None
    on_failure: SendDirect | None = None
    """As :attr:`SendMessage.on_failure`."""
    kind: Literal["create_scheduled_event"] = "create_scheduled_event"


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateScheduledEvent:
    """Change the scheduled event created under ``key`` (resolved to ``message``, whose
    ``message_id`` is the platform's event id, by the delivery worker)."""

    bot: str
    community: CommunityRef
    key: str
    name: str
    starts_at: datetime
    ends_at: datetime
    location: str
    description: str = ""
    message: MessageRef | None = None
    kind: Literal["update_scheduled_event"] = "update_scheduled_event"


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelScheduledEvent:
    """Cancel the scheduled event created under ``key`` (see :class:`UpdateScheduledEvent`)."""

    bot: str
    community: CommunityRef
    key: str
    message: MessageRef | None = None
    kind: Literal["cancel_scheduled_event"] = "cancel_scheduled_event"


ScheduledEventAction = CreateScheduledEvent | UpdateScheduledEvent | CancelScheduledEvent


Action = (
    SendMessage
    | SendDirect
    | SendEphemeral
    | SendFile
    | EditMessage
    | DeleteMessage
    | AnswerButton
    | AskText
    | RestrictMember
    | UnrestrictMember
    | RemoveMember
    | GiveRole
    | TakeRole
    | PinMessage
    | UnpinMessage
    | CrosspostMessage
    | CreateScheduledEvent
    | UpdateScheduledEvent
    | CancelScheduledEvent
)

_ACTION_ADAPTER: TypeAdapter[Action] = TypeAdapter(Annotated[Action, Field(discriminator="kind")])


def action_to_payload(action: Action) -> dict[str, Any]:
    """JSON-ready form of an action, for the outbox."""
    payload: dict[str, Any] = _ACTION_ADAPTER.dump_python(action, mode="json")
    return payload


def action_from_payload(payload: dict[str, Any]) -> Action:
    return _ACTION_ADAPTER.validate_python(payload)
