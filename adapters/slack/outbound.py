"""Core text and buttons -> Slack mrkdwn and Block Kit. Pure functions.

User text has ``&``, ``<`` and ``>`` escaped, so nothing a member types (or calls
themselves) can become ``<!channel>``, ``<!here>``, a user mention or a link; only mention
spans the bot built render as ``<@U…>``.
"""

from __future__ import annotations

import re
from typing import Any

from core.actions import ButtonRows, ButtonStyle
from core.capabilities import Capability, RateLimits
from core.text import Span, Style, Text, split_text

MESSAGE_LIMIT = 40_000
SECTION_LIMIT = 3_000
CAPABILITIES = frozenset(
    {
        Capability.BUTTONS,
        Capability.EDIT,
        Capability.DELETE,
        Capability.DIRECT_MESSAGES,
        Capability.EPHEMERAL,
        Capability.REACTIONS,
        Capability.THREADS,
        Capability.FILES,
        Capability.MESSAGE_CONTENT,
    }
)
LIMITS = RateLimits(per_bot=20, per_chat=1, per_chat_window=1, burst=3, max_text=MESSAGE_LIMIT)
"""About one message per second per channel, with short bursts (Slack's guidance)."""

_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_span(span: Span) -> str:
    text = escape(span.text)
    if span.style is Style.BOLD:
        return f"*{text}*"
    if span.style is Style.ITALIC:
        return f"_{text}_"
    if span.style is Style.CODE:
        return f"`{text}`"
    if span.style is Style.LINK and span.url:
        # ``|`` ends a link target and ``>`` the link: a URL keeps neither raw, so it can
        # never reach into the label or spill markup after the link.
        target = escape(span.url.replace("|", "%7C").replace(" ", "%20"))
        return f"<{target}|{text.replace('|', '∣')}>"
    if span.style is Style.MENTION and span.user_id and _SLACK_USER.match(span.user_id):
        return f"<@{span.user_id}>"
    return text


def render_chunks(text: Text, limit: int = MESSAGE_LIMIT) -> list[str]:
    return split_text(text, render_span, limit) or [" "]


SECTIONS_PER_MESSAGE = 45
"""Slack allows 50 blocks a message; the rest is room for button rows."""


def messages(text: Text, buttons: ButtonRows) -> list[tuple[str, list[dict[str, Any]]]]:
    """(fallback text, blocks) per message: sections of at most 3,000 characters, at most
    45 a message, the buttons under the last one."""
    sections = render_chunks(text, SECTION_LIMIT)
    groups = [
        sections[start : start + SECTIONS_PER_MESSAGE]
        for start in range(0, len(sections), SECTIONS_PER_MESSAGE)
    ]
    result = []
    for index, group in enumerate(groups):
        body: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": section}} for section in group
        ]
        if index == len(groups) - 1:
            body += action_blocks(buttons)
        result.append(("\n".join(group)[:MESSAGE_LIMIT], body))
    return result


def action_blocks(buttons: ButtonRows) -> list[dict[str, Any]]:
    """One actions block per button row; ``value`` is the button's compact payload."""
    result: list[dict[str, Any]] = []
    for row_index, row in enumerate(buttons):
        elements = []
        for index, button in enumerate(row):
            element: dict[str, Any] = {
                "type": "button",
                "text": {"type": "plain_text", "text": button.label[:75], "emoji": True},
                "value": button.data,
                "action_id": f"ts_{row_index}_{index}",
            }
            if button.style is ButtonStyle.PRIMARY:
                element["style"] = "primary"
            elif button.style is ButtonStyle.DANGER:
                element["style"] = "danger"
            elements.append(element)
        result.append({"type": "actions", "elements": elements})
    return result
