"""Block Kit as the fake Slack checks and shows it.

:func:`check` refuses what Slack refuses (``invalid_blocks``, ``msg_blocks_too_long``) for
the block types the bot uses: ``rich_text`` (sections of ``text``, ``link``, ``user``,
``usergroup``, ``channel``, ``broadcast`` and ``emoji`` elements), ``section`` and
``actions``. :func:`message_text` flattens a message to what a member reads, for tests;
:func:`elements` lists its rich text elements and :func:`pings` says whom it notifies.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_BLOCKS = 50
BLOCKS_TEXT_LIMIT = 12_000
"""Slack refuses a message whose blocks carry more text than about this (undocumented)."""
SECTION_TEXT_LIMIT = 3_000
TEXT_STYLES = {"bold", "italic", "strike", "code", "underline", "highlight", "unlink"}
RICH_CONTAINERS = {"rich_text_section", "rich_text_quote", "rich_text_preformatted"}
BROADCAST_RANGES = {"here", "channel", "everyone"}
DATE_FIELDS = {"type", "timestamp", "format", "timezone", "url", "fallback", "style"}
_DATE_TOKEN = re.compile(
    r"\{(day_divider_pretty|date_num|date_slash|date_long|date_long_full|date_long_pretty"
    r"|date|date_pretty|date_short|date_short_pretty|time|time_secs|ago)\}"
)
"""A date element's format must use at least one of Slack's date tokens."""
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_BROADCAST = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")


class Invalid(Exception):
    """What Slack answers (``invalid_blocks``, ``msg_blocks_too_long``)."""


def blocks_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = message.get("blocks") or []
    if isinstance(blocks, str):  # form-encoded calls send blocks as a JSON string
        blocks = json.loads(blocks)
    return list(blocks)


def check(message: dict[str, Any]) -> None:
    """Raise :class:`Invalid` for a message Slack would refuse."""
    blocks = blocks_of(message)
    if not blocks and not str(message.get("text") or "").strip():
        raise Invalid("no_text")
    if len(blocks) > MAX_BLOCKS:
        raise Invalid("invalid_blocks")
    total = 0
    action_ids: set[str] = set()
    for block in blocks:
        total += _check_block(block, action_ids)
    if total > BLOCKS_TEXT_LIMIT:
        raise Invalid("msg_blocks_too_long")


def _require(condition: bool) -> None:
    if not condition:
        raise Invalid("invalid_blocks")


def _text(value: Any, limit: int) -> int:
    _require(isinstance(value, str) and 0 < len(value) <= limit)
    return len(value)


def _check_block(block: Any, action_ids: set[str]) -> int:
    _require(isinstance(block, dict))
    kind = block.get("type")
    if kind == "rich_text":
        _require(set(block) <= {"type", "elements", "block_id"})
        containers = block.get("elements")
        _require(isinstance(containers, list) and bool(containers))
        return sum(_check_container(container) for container in containers)
    if kind == "section":
        text = block.get("text")
        _require(isinstance(text, dict) and text.get("type") in ("mrkdwn", "plain_text"))
        return _text(text.get("text"), SECTION_TEXT_LIMIT)
    if kind == "actions":
        buttons = block.get("elements")
        _require(isinstance(buttons, list) and 0 < len(buttons) <= 25)
        for button in buttons:
            _require(button.get("type") == "button")
            label = button.get("text") or {}
            _require(label.get("type") == "plain_text")
            _text(label.get("text"), 75)
            _text(button.get("action_id"), 255)
            _require(button["action_id"] not in action_ids)
            action_ids.add(button["action_id"])
            _require(len(str(button.get("value", ""))) <= 2000)
            _require(button.get("style") in (None, "primary", "danger"))
        return 0
    raise Invalid("invalid_blocks")


def _check_container(container: Any) -> int:
    _require(isinstance(container, dict))
    kind = container.get("type")
    if kind == "rich_text_list":
        _require(container.get("style") in ("bullet", "ordered"))
        return sum(_check_container(item) for item in container.get("elements") or [None])
    _require(kind in RICH_CONTAINERS)
    parts = container.get("elements")
    _require(isinstance(parts, list) and bool(parts))
    return sum(_check_element(part) for part in parts)


def _check_element(part: Any) -> int:
    _require(isinstance(part, dict))
    kind = part.get("type")
    style = part.get("style", {})
    _require(isinstance(style, dict) and set(style) <= TEXT_STYLES)
    _require(all(isinstance(value, bool) for value in style.values()))
    if kind == "text":
        _require(set(part) <= {"type", "text", "style"})
        return _text(part.get("text"), 40_000)
    if kind == "link":
        _require(set(part) <= {"type", "url", "text", "style", "unsafe"})
        _text(part.get("url"), 3_000)
        return len(part["url"]) + (_text(part["text"], 3_000) if "text" in part else 0)
    if kind == "user":
        _require(set(part) <= {"type", "user_id", "style"})
        return _text(part.get("user_id"), 30)
    if kind == "usergroup":
        return _text(part.get("usergroup_id"), 30)
    if kind == "channel":
        return _text(part.get("channel_id"), 30)
    if kind == "broadcast":
        _require(part.get("range") in BROADCAST_RANGES)
        return len(part["range"])
    if kind == "emoji":
        return _text(part.get("name"), 100)
    if kind == "date":
        _require(set(part) <= DATE_FIELDS)
        _require(isinstance(part.get("timestamp"), int))  # Slack refuses a string here
        _text(part.get("format"), 3_000)
        _require(_DATE_TOKEN.search(part["format"]) is not None)
        return len(str(part.get("fallback") or ""))
    raise Invalid("invalid_blocks")


def elements(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Every rich text element of the message, in order."""
    found: list[dict[str, Any]] = []

    def walk(container: dict[str, Any]) -> None:
        for part in container.get("elements", []):
            if part.get("type", "").startswith("rich_text_"):
                walk(part)
            else:
                found.append(part)

    for block in blocks_of(message):
        if block.get("type") == "rich_text":
            walk(block)
    return found


def _element_text(part: dict[str, Any]) -> str:
    kind = part.get("type")
    if kind == "text":
        return str(part["text"])
    if kind == "link":
        return str(part.get("text") or part["url"])
    if kind == "user":
        return f"<@{part['user_id']}>"
    if kind == "broadcast":
        return f"<!{part['range']}>"
    if kind == "emoji":
        return f":{part['name']}:"
    if kind == "date":
        return str(part.get("fallback") or "")
    return ""


def message_text(message: dict[str, Any]) -> str:
    """What a member reads: the blocks' text without styling, mentions as ``<@U…>``, one
    line per block; the top-level ``text`` when there are no text blocks."""
    lines: list[str] = []
    for block in blocks_of(message):
        if block.get("type") == "rich_text":
            lines.append("".join(_element_text(part) for part in elements({"blocks": [block]})))
        elif block.get("type") == "section":
            lines.append(str(block["text"]["text"]))
    return "\n".join(lines) if lines else str(message.get("text", ""))


def pings(message: dict[str, Any]) -> dict[str, Any]:
    """Whom the message notifies: ``user`` and ``broadcast`` elements of its blocks, or
    the control sequences of its text when it has no blocks (mrkdwn only)."""
    if blocks_of(message):
        parts = elements(message)
        users = sorted({p["user_id"] for p in parts if p.get("type") == "user"})
        broadcast = sorted({p["range"] for p in parts if p.get("type") == "broadcast"})
        texts = [
            str(b["text"]["text"])
            for b in blocks_of(message)
            if b.get("type") == "section" and b["text"].get("type") == "mrkdwn"
        ]
    else:
        users, broadcast, texts = [], [], [str(message.get("text", ""))]
    for text in texts:
        users = sorted({*users, *_MENTION.findall(text)})
        broadcast = sorted({*broadcast, *_BROADCAST.findall(text)})
    return {"users": users, "broadcast": broadcast}
