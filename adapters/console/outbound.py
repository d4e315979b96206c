"""Core actions -> transcript lines for a terminal.

A terminal has no markup, but it has control sequences: an escape character in a display
name could clear the screen, move the cursor or retitle the window. Every control
character except line breaks and tabs is shown as U+FFFD instead.
"""

from __future__ import annotations

import re
from typing import assert_never

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
from townsquare.core.capabilities import Capability, RateLimits
from townsquare.core.text import Span, Style, Text, render

CAPABILITIES = frozenset(
    {
        Capability.EDIT,
        Capability.DELETE,
        Capability.DIRECT_MESSAGES,
        Capability.EPHEMERAL,
        Capability.RESTRICT,
        Capability.REMOVE,
        Capability.REACTIONS,
        Capability.MESSAGE_CONTENT,
        Capability.USER_GROUPS,  # prints the role it would give or take
    }
)
LIMITS = RateLimits(per_bot=1000, per_chat=1000, per_chat_window=1, burst=1000)
"""A terminal has no rate limits; these only keep the limiter's arithmetic finite."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` without terminal control characters (``\\n`` and ``\\t`` kept)."""
    return _CONTROL.sub("\N{REPLACEMENT CHARACTER}", text)


def render_span(span: Span) -> str:
    """Plain terminal text; user text is printed as-is (a terminal has no markup)."""
    if span.style is Style.MENTION:
        return f"@{span.text}"
    if span.style is Style.LINK:
        return f"{span.text} <{span.url}>"
    if span.style is Style.CODE:
        return f"`{span.text}`"
    return span.text


def render_text(text: Text) -> str:
    return printable(render(text, render_span))


def render_buttons(buttons: ButtonRows) -> str:
    return "  ".join(f"[{button.label}]" for row in buttons for button in row)


def _member_change(
    action: RestrictMember | UnrestrictMember | RemoveMember | GiveRole | TakeRole,
) -> str:
    """What the console would do to a member, as the transcript says it."""
    match action:
        case RestrictMember():
            return f"muted {action.user_id}"
        case UnrestrictMember():
            return f"unmuted {action.user_id}"
        case RemoveMember():
            return f"removed {action.user_id}"
        case GiveRole() | TakeRole():
            done = "gave" if isinstance(action, GiveRole) else "took"
            towards = "to" if isinstance(action, GiveRole) else "from"
            why = f": {action.reason}" if action.reason else ""
            return f"{done} role {action.role_id} {towards} {action.user_id}{why}"
        case _:
            assert_never(action)


def describe(action: Action, bot: str) -> list[str]:
    """Transcript lines for one action, prefixed with who sees it; always printable."""
    return [printable(line) for line in _describe(action, bot)]


def _describe(action: Action, bot: str) -> list[str]:
    match action:
        case SendMessage():
            head = f"{bot} ›"
        case SendDirect():
            head = f"{bot} › (private to {action.display_name})"
        case SendEphemeral():
            head = f"{bot} › (only {action.display_name} sees)"
        case EditMessage():
            head = f"{bot} › (edited)"
        case DeleteMessage():
            return [f"{bot} › (deleted a message)"]
        case AnswerButton():
            return [f"{bot} › (toast) {action.toast}"] if action.toast else []
        case RestrictMember() | UnrestrictMember() | RemoveMember() | GiveRole() | TakeRole():
            return [f"{bot} › ({_member_change(action)})"]
        case (
            SendFile()
            | AskText()
            | PinMessage()
            | UnpinMessage()
            | CrosspostMessage()
            | CreateScheduledEvent()
            | UpdateScheduledEvent()
            | CancelScheduledEvent()
        ):
            # Degraded (or skipped) before they get here: the console has no files, forms,
            # pins, followers or scheduled events.
            return [f"{bot} › ({action.kind})"]
        case _:
            assert_never(action)
    body = render_text(action.text)
    result = [
        head + " " + line if index == 0 else " " * (len(head) + 1) + line
        for index, line in enumerate(body.splitlines() or [""])
    ]
    buttons = getattr(action, "buttons", ())
    if buttons:
        result.append(" " * (len(head) + 1) + render_buttons(buttons))
    return result
