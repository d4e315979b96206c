"""Core text and actions -> Bot API arguments. Pure functions, shared by both backends.

Everything user-supplied is HTML-escaped (``parse_mode=HTML``), so a display name can never
become markup; mentions are ``tg://user`` links, which notify only that member. Telegram has
no mass mention (``@everyone`` is plain text there).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, assert_never

from townsquare.core.actions import (
    Action,
    AnswerButton,
    AskText,
    ButtonRows,
    CancelScheduledEvent,
    CreateScheduledEvent,
    CrosspostMessage,
    DeleteMessage,
    EditMessage,
    GiveRole,
    PinMessage,
    RemoveMember,
    RestrictMember,
    SendDirect,
    SendEphemeral,
    SendFile,
    SendMessage,
    TakeRole,
    UnpinMessage,
    UnrestrictMember,
    UpdateScheduledEvent,
)
from townsquare.core.capabilities import Capability, PrivateChats, RateLimits
from townsquare.core.commands import CommandSpec
from townsquare.core.errors import NotSupported
from townsquare.core.images import is_photo, shown_name
from townsquare.core.layout import ButtonLimits, layout
from townsquare.core.refs import ChannelRef, MessageRef
from townsquare.core.roles import Role
from townsquare.core.text import Span, Style, Text, split_text, unix_time

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
"""Characters of a document's caption (after entity parsing); a longer caption is sent as
message(s) before the file."""
CAPABILITIES = frozenset(
    {
        Capability.BUTTONS,
        Capability.EDIT,
        Capability.DELETE,
        Capability.DIRECT_MESSAGES,
        Capability.RESTRICT,
        Capability.REMOVE,
        Capability.REACTIONS,
        Capability.THREADS,
        Capability.FILES,
        Capability.MESSAGE_CONTENT,
        Capability.PIN,
    }
)
LIMITS = RateLimits(
    per_bot=30,
    per_chat=20,
    per_chat_window=60,
    per_private=1,
    per_private_window=1,
    private_chats=PrivateChats.POSITIVE_IDS,
    max_text=TEXT_LIMIT,
)
"""Telegram's published limits: about 30 messages/s per bot, 20 per minute in one group, one
per second in one private chat (a private chat's id is positive, a group's negative)."""
HARMLESS = (
    "message is not modified",
    "message to delete not found",
    "message to unpin not found",
    "query is too old",
)
"""Bot API errors that mean the work is already done (or can no longer matter: a button
press older than 15 minutes cannot be answered)."""
TOAST_LIMIT = 200


CALLBACK_DATA_LIMIT = 64
BUTTONS = ButtonLimits(
    rows=100, per_row=8, buttons=100, data_bytes=CALLBACK_DATA_LIMIT, label=128, row_width=40
)
"""An inline keyboard holds 100 buttons, 8 a row, each with 1-64 bytes of callback data.
Labels have no published limit (128 keeps a keyboard light); a phone shows about 40
characters across a row of equally wide buttons."""

MOMENT_FORMATS = {Style.TIME: "wDt", Style.DATE: "wD"}
"""Telegram's date-time entity formats: weekday, long date (and short time)."""


def render_span(span: Span) -> str:
    text = html.escape(span.text, quote=False)
    if span.style is Style.BOLD:
        return f"<b>{text}</b>"
    if span.style is Style.ITALIC:
        return f"<i>{text}</i>"
    if span.style is Style.CODE:
        return f"<code>{text}</code>"
    if span.style is Style.LINK and span.url:
        return f'<a href="{html.escape(span.url, quote=True)}">{text}</a>'
    if span.style is Style.MENTION and span.user_id and span.user_id.lstrip("-").isdigit():
        return f'<a href="tg://user?id={span.user_id}">{text}</a>'
    if span.style in MOMENT_FORMATS and span.at is not None:
        # Shown in the reader's time zone and language; the UTC text where apps cannot.
        shown = MOMENT_FORMATS[span.style]
        return f'<tg-time unix="{unix_time(span)}" format="{shown}">{text}</tg-time>'
    return text


def render_chunks(text: Text) -> list[str]:
    """HTML chunks of at most 4096 characters, split on line or word boundaries."""
    return split_text(text, render_span, TEXT_LIMIT) or [""]


def keyboard(buttons: ButtonRows) -> dict[str, Any] | None:
    """An ``InlineKeyboardMarkup``: the rows laid out for Telegram (:data:`BUTTONS`, see
    :mod:`core.layout`); callback data is the button's compact, bot-authored payload,
    which must fit Telegram's 64 bytes (else :class:`~core.layout.LayoutError`, a
    permanent error: a feature bug, not a delivery hiccup)."""
    if not buttons:
        return None
    rows = [
        [{"text": button.label, "callback_data": button.data} for button in row]
        for row in layout(buttons, BUTTONS)
    ]
    return {"inline_keyboard": rows}


PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
)
"""Every ``ChatPermissions`` field of the pinned Bot API (10.x)."""
MUTED_PERMISSIONS = {key: False for key in PERMISSIONS}
"""A mute (and the verification gate): the member reads, and does nothing else."""
UNMUTED_PERMISSIONS = {key: True for key in PERMISSIONS}
"""Lifting a restriction: the Bot API says to pass ``True`` for *all* permissions, which
makes the member an ordinary member again, bound by the chat's default permissions. Passing
only the sending permissions would leave them "restricted" without invite or pin rights."""

_MENU_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


def command_menu(specs: Iterable[CommandSpec], role: Role) -> list[dict[str, str]]:
    """``BotCommand`` s for the "/" menu: the top-level commands ``role`` may use.

    Telegram shows them as the member types "/", so members are offered only member
    commands (the ``default`` scope) and administrators everything (the
    ``all_chat_administrators`` scope). Names Telegram cannot show are left out."""
    menu: dict[str, dict[str, str]] = {}
    for spec in specs:
        name = spec.name.lower()
        if role < spec.role or not _MENU_NAME.match(name) or name in menu:
            continue
        description = (spec.summary or name).strip()[:256] or name
        menu[name] = {"command": name, "description": description}
    return list(menu.values())[:100]


@dataclass(frozen=True, slots=True)
class Upload:
    """A file a request uploads (multipart/form-data); each backend wraps it in its own
    input-file type (aiogram ``BufferedInputFile``, PTB ``InputFile``)."""

    field: str
    filename: str
    data: bytes
    mime_type: str


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One Bot API request, as data: both backends execute the same plan."""

    method: str
    params: dict[str, Any]
    sends_message: bool = False
    upload: Upload | None = None
    fallback: ApiCall | None = None
    """Sent instead when Telegram refuses this one as a photo (:func:`refused_as_photo`):
    a picture it will not take as a photo still arrives, as a document."""


def is_direct(action: Action) -> bool:
    """A private message or file: a refusal means the member cannot be reached privately."""
    return isinstance(action, SendDirect) or (isinstance(action, SendFile) and action.private)


def _pin_call(action: PinMessage | UnpinMessage) -> ApiCall:
    assert action.message is not None, "the delivery worker resolves keys first"
    pin = {"chat_id": action.message.channel.id, "message_id": int(action.message.message_id)}
    if isinstance(action, UnpinMessage):
        return ApiCall("unpinChatMessage", pin)
    return ApiCall("pinChatMessage", {**pin, "disable_notification": action.silent})


def plan(action: Action) -> list[ApiCall]:
    """The Bot API requests that perform ``action`` (keys already resolved)."""
    match action:
        case SendMessage():
            return _send_calls(
                action.channel, action.text, action.buttons, action.reply_to, action.silent
            )
        case SendDirect():
            channel = ChannelRef(action.user_id, is_direct=True)
            return _send_calls(channel, action.text, action.buttons, None, False)
        case SendFile():
            return _file_calls(action)
        case EditMessage():
            return [_edit_call(action)]
        case DeleteMessage():
            assert action.message is not None, "the delivery worker resolves keys first"
            chat = {
                "chat_id": action.message.channel.id,
                "message_id": int(action.message.message_id),
            }
            return [ApiCall("deleteMessage", chat)]
        case AnswerButton():
            params = {"callback_query_id": action.interaction_id, "show_alert": action.alert}
            if action.toast:
                params["text"] = action.toast[:TOAST_LIMIT]
            return [ApiCall("answerCallbackQuery", params)]
        case RestrictMember() | UnrestrictMember():
            return [_restrict_call(action)]
        case RemoveMember():
            member = {"chat_id": int(action.community.id), "user_id": int(action.user_id)}
            return [
                ApiCall("banChatMember", member),
                ApiCall("unbanChatMember", {**member, "only_if_banned": True}),
            ]
        case PinMessage() | UnpinMessage():
            return [_pin_call(action)]
        case (
            SendEphemeral()
            | AskText()
            | GiveRole()
            | TakeRole()
            | CrosspostMessage()
            | CreateScheduledEvent()
            | UpdateScheduledEvent()
            | CancelScheduledEvent()
        ):
            # Degraded before they get here (no ephemeral messages, no forms on Telegram,
            # no member roles: nobody is promoted to administrator to carry a title; no
            # channel has followers to publish to, and there are no scheduled events).
            raise NotSupported(f"Telegram cannot {action.kind}")
        case _:
            assert_never(action)


def _edit_call(action: EditMessage) -> ApiCall:
    assert action.message is not None, "the delivery worker resolves keys first"
    params: dict[str, Any] = {
        "chat_id": action.message.channel.id,
        "message_id": int(action.message.message_id),
    }
    markup = keyboard(action.buttons)
    if not action.text:
        # Only the buttons change (a closed poll loses its keyboard): the text stays.
        # Without ``reply_markup`` Telegram removes the keyboard.
        if markup:
            params["reply_markup"] = markup
        return ApiCall("editMessageReplyMarkup", params)
    # A message holds at most 4096 characters: an edit keeps the first chunk.
    params |= {"text": render_chunks(action.text)[0], "parse_mode": "HTML"}
    if markup:
        params["reply_markup"] = markup
    return ApiCall("editMessageText", params)


def _restrict_call(action: RestrictMember | UnrestrictMember) -> ApiCall:
    muted = isinstance(action, RestrictMember)
    params: dict[str, Any] = {
        "chat_id": int(action.community.id),
        "user_id": int(action.user_id),
        "permissions": MUTED_PERMISSIONS if muted else UNMUTED_PERMISSIONS,
        "use_independent_chat_permissions": True,
    }
    if isinstance(action, RestrictMember) and action.until is not None:
        params["until_date"] = int(action.until.timestamp())
    return ApiCall("restrictChatMember", params)


def _send_calls(
    channel: ChannelRef,
    text: Text,
    buttons: ButtonRows,
    reply_to: MessageRef | None,
    silent: bool,
) -> list[ApiCall]:
    chunks = render_chunks(text)
    calls = []
    for index, chunk in enumerate(chunks):
        params: dict[str, Any] = {"chat_id": channel.id, "text": chunk, "parse_mode": "HTML"}
        if channel.thread_id:
            params["message_thread_id"] = int(channel.thread_id)
        if silent:
            params["disable_notification"] = True
        if reply_to is not None and index == 0:
            params["reply_parameters"] = {
                "message_id": int(reply_to.message_id),
                "allow_sending_without_reply": True,
            }
        markup = keyboard(buttons) if index == len(chunks) - 1 else None
        if markup:
            params["reply_markup"] = markup
        calls.append(ApiCall("sendMessage", params, sends_message=True))
    return calls


def _file_calls(action: SendFile) -> list[ApiCall]:
    """``sendDocument`` (multipart upload), or ``sendPhoto`` for a PNG, JPEG or WebP
    picture (shown inline, falling back to ``sendDocument`` when Telegram will not take it
    as a photo: too long or narrow, undecodable, photos not allowed in the chat); a caption
    longer than Telegram's 1024 characters goes before it as message(s)."""
    if action.user_id is not None:
        channel = ChannelRef(action.user_id, is_direct=True)
    else:
        assert action.channel is not None
        channel = action.channel
    calls: list[ApiCall] = []
    params: dict[str, Any] = {"chat_id": channel.id}
    if channel.thread_id:
        params["message_thread_id"] = int(channel.thread_id)
    if action.caption:
        captions = split_text(action.caption, render_span, CAPTION_LIMIT)
        if len(captions) == 1:
            params |= {"caption": captions[0], "parse_mode": "HTML"}
        else:
            calls = _send_calls(channel, action.caption, (), None, False)
    upload = Upload("document", action.filename, action.data, action.mime_type)
    document = ApiCall("sendDocument", params, sends_message=True, upload=upload)
    if is_photo(action.mime_type):
        name = shown_name(action.filename, action.mime_type)
        photo = Upload("photo", name, action.data, action.mime_type)
        calls.append(ApiCall("sendPhoto", params, True, photo, fallback=document))
    else:
        calls.append(document)
    return calls


def refused_as_photo(call: ApiCall, description: str) -> ApiCall | None:
    """The call to send instead of ``call`` refused with ``description``: its fallback
    when Telegram refused the picture as a photo (``PHOTO_INVALID_DIMENSIONS``,
    ``IMAGE_PROCESS_FAILED``, "not enough rights to send photos"), else None."""
    lowered = description.lower()
    if call.fallback is None or not ("photo" in lowered or "image" in lowered):
        return None
    return call.fallback


def migrated(call: ApiCall, chat_id: int) -> ApiCall:
    """``call`` addressed to the supergroup a group was upgraded to."""
    return replace(call, params={**call.params, "chat_id": chat_id})


def menu_calls(specs: Iterable[CommandSpec]) -> list[ApiCall]:
    """``setMyCommands`` for members (default scope) and for chat administrators."""
    specs = list(specs)
    calls = []
    for scope, role in (("default", Role.MEMBER), ("all_chat_administrators", Role.OWNER)):
        commands = command_menu(specs, role)
        if commands:
            calls.append(ApiCall("setMyCommands", {"commands": commands, "scope": {"type": scope}}))
    return calls


def sent_ref(call: ApiCall, message_id: int) -> MessageRef:
    """The platform message a ``sendMessage`` call created."""
    chat = str(call.params["chat_id"])
    thread = call.params.get("message_thread_id")
    return MessageRef(ChannelRef(chat, thread_id=str(thread) if thread else None), str(message_id))
