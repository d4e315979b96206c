"""Core text and actions -> Bot API arguments. Pure functions, shared by both backends.

Everything user-supplied is HTML-escaped (``parse_mode=HTML``), so a display name can never
become markup; mentions are ``tg://user`` links, which notify only that member. Telegram has
no mass mention (``@everyone`` is plain text there).
"""

from __future__ import annotations

import html
from typing import Any

from core.actions import ButtonRows
from core.capabilities import Capability, RateLimits
from core.text import Span, Style, Text, split_text

TEXT_LIMIT = 4096
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
    }
)
LIMITS = RateLimits(per_bot=30, per_chat=20, per_chat_window=60, burst=3, max_text=TEXT_LIMIT)
"""About 30 messages/s per bot and 20 per minute in one group (Telegram's published limits)."""
HARMLESS = ("message is not modified", "message to delete not found", "query is too old")
"""Bot API errors that mean the work is already done."""
CALLBACK_DATA_LIMIT = 64


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
    return text


def render_chunks(text: Text) -> list[str]:
    """HTML chunks of at most 4096 characters, split on line or word boundaries."""
    return split_text(text, render_span, TEXT_LIMIT) or [""]


def keyboard(buttons: ButtonRows) -> dict[str, Any] | None:
    """An ``InlineKeyboardMarkup``; callback data is the button's compact, bot-authored
    payload, which must fit Telegram's 64 bytes."""
    if not buttons:
        return None
    rows = []
    for row in buttons:
        rendered = []
        for button in row:
            if len(button.data.encode()) > CALLBACK_DATA_LIMIT:
                raise ValueError(f"callback data over 64 bytes: {button.data!r}")
            rendered.append({"text": button.label, "callback_data": button.data})
        rows.append(rendered)
    return {"inline_keyboard": rows}


MUTED_PERMISSIONS = {
    "can_send_messages": False,
    "can_send_audios": False,
    "can_send_documents": False,
    "can_send_photos": False,
    "can_send_videos": False,
    "can_send_video_notes": False,
    "can_send_voice_notes": False,
    "can_send_polls": False,
    "can_send_other_messages": False,
    "can_add_web_page_previews": False,
}
UNMUTED_PERMISSIONS = {key: True for key in MUTED_PERMISSIONS}
