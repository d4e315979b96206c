"""Core text and buttons -> Slack Block Kit. Pure functions.

Nothing a member wrote ever goes through Slack's mrkdwn parser. mrkdwn has no escape for
``*``, ``_``, ``~`` or backticks, so a display name such as ``*boss*`` would turn bold
however carefully the rest was escaped. Every message is therefore a ``rich_text`` block
(what Slack's own composer produces): the neutral :class:`~core.text.Text` becomes
``text`` elements whose styling is an explicit ``style`` object (bold, italic, code), bot
links become ``link`` elements and mention spans ``user`` elements. Slack shows the text
of a ``text`` element literally, so emphasis, ``<!channel>``, ``<@U…>`` or a link typed by
a member stays characters on the screen; the only way to mention somebody is a ``user``
element, which only a mention span with a Slack user id produces.

The top-level ``text`` of each message is the fallback Slack uses for notifications and
screen readers: the same words without styling, with ``&``, ``<`` and ``>`` escaped so no
member text can form a control sequence there either (``<!channel>``, ``<@U…>``, links);
only mention spans become ``<@U…>`` and bot links ``<url|label>``.

Sizes: Slack documents 50 blocks and 40,000 characters of text a message, but refuses
messages whose blocks carry more than about 12,000 characters in all
(``msg_blocks_too_long``, undocumented). Texts are split on line or word boundaries
(:func:`core.text.split_spans`) into messages of at most :data:`TEXT_PER_MESSAGE`
characters, each one ``rich_text`` block; buttons (``actions`` blocks) go under the last.
Every kind of message has this shape: posts and direct messages (``chat.postMessage``),
edits (``chat.update``; one message, so a longer text is cut with ``…``), private answers
and button toasts (``response_url`` or ``chat.postEphemeral``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from townsquare.adapters.slack.inbound import FORM_BLOCK, FORM_CALLBACK, FORM_INPUT
from townsquare.core.actions import AskText, ButtonRows, ButtonStyle
from townsquare.core.capabilities import Capability, PrivateChats, RateLimits
from townsquare.core.layout import ButtonLimits, layout
from townsquare.core.text import Span, Style, Text, split_spans, unix_time

MESSAGE_LIMIT = 40_000
TEXT_PER_MESSAGE = 9_000
"""Characters of text in one message's blocks, well below Slack's ~12,000 cumulative
block limit (mentions and links count as their markup, to stay on the safe side)."""
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
        Capability.FORMS,
        Capability.USER_GROUPS,  # role rewards (adapters.slack.usergroups), paid plans only
        Capability.PIN,
    }
)
LIMITS = RateLimits(
    per_bot=20,
    per_chat=1,
    per_chat_window=1,
    private_chats=PrivateChats.D_PREFIX,
    max_text=MESSAGE_LIMIT,
)
"""About one message per second per channel (Slack's guidance for chat.postMessage), DMs
(``D...`` channels) alike."""
MAX_BLOCKS = 50
BUTTONS = ButtonLimits(
    rows=MAX_BLOCKS - 1,
    per_row=25,
    buttons=(MAX_BLOCKS - 1) * 25,
    data_bytes=2000,
    label=75,
    row_width=60,
)
"""A message holds 50 blocks (one is its text), an actions block 25 elements; a button's
text has at most 75 characters and its ``value`` 2,000. Slack wraps a wide block itself."""

_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_STYLES = {Style.BOLD: "bold", Style.ITALIC: "italic", Style.CODE: "code"}
MOMENT_FORMATS = {Style.TIME: "{date_long_pretty} {time}", Style.DATE: "{date_long_pretty}"}
"""Rich-text date formats: "tomorrow 14:00", "Monday, November 23rd" in the reader's zone."""
_URL_SCHEMES = ("http://", "https://", "mailto:")

Message = tuple[str, list[dict[str, Any]]]
"""(fallback text, blocks) of one Slack message."""


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def is_user_id(value: str | None) -> bool:
    return bool(value and _SLACK_USER.match(value))


def _safe_url(url: str | None) -> str | None:
    """A link target Slack can open, or None (then the label shows as text)."""
    url = (url or "").strip()
    if not url.lower().startswith(_URL_SCHEMES) or any(char.isspace() for char in url):
        return None
    return url


def fallback_span(span: Span) -> str:
    """One span in the fallback text: escaped words, no styling."""
    if span.style is Style.MENTION:
        if is_user_id(span.user_id):
            return f"<@{span.user_id}>"
        return escape("@" + span.text)
    text = escape(span.text)
    url = _safe_url(span.url) if span.style is Style.LINK else None
    if url is not None:
        # ``|`` ends a link target and ``>`` the link: neither stays raw, so a URL can never
        # reach into the label or spill markup after the link.
        target = escape(url.replace("|", "%7C"))
        return f"<{target}|{text.replace('|', '∣')}>"
    return text


def fallback(text: Text) -> str:
    return "".join(fallback_span(span) for span in text.spans)[:MESSAGE_LIMIT] or " "


def element(span: Span) -> dict[str, Any]:
    """One span as a rich text element; user text only ever lands in ``text`` fields."""
    if span.style is Style.MENTION:
        if is_user_id(span.user_id):
            return {"type": "user", "user_id": span.user_id}
        return {"type": "text", "text": "@" + span.text}
    if span.style is Style.LINK:
        url = _safe_url(span.url)
        if url is not None:
            return {"type": "link", "url": url, "text": span.text}
        return {"type": "text", "text": span.text}
    if span.style in MOMENT_FORMATS and span.at is not None:
        # Slack writes it in each reader's time zone; the UTC text where it cannot.
        return {
            "type": "date",
            "timestamp": unix_time(span),
            "format": MOMENT_FORMATS[span.style],
            "fallback": span.text,
        }
    result: dict[str, Any] = {"type": "text", "text": span.text}
    if span.style in _STYLES:
        result["style"] = {_STYLES[span.style]: True}
    return result


def rich_text(text: Text) -> dict[str, Any]:
    """A ``rich_text`` block of one section; neighbouring spans of one style share an
    element. An empty text gives a single space (Slack refuses empty elements)."""
    spans: list[Span] = []
    for span in text.spans:
        if not span.text:
            continue
        last = spans[-1] if spans else None
        if (
            last is not None
            and span.style is last.style
            and span.style not in (Style.MENTION, Style.LINK, *MOMENT_FORMATS)
        ):
            spans[-1] = Span(last.text + span.text, span.style)
        else:
            spans.append(span)
    elements = [element(span) for span in spans] or [{"type": "text", "text": " "}]
    return {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": elements}]}


def chunks(text: Text, limit: int = TEXT_PER_MESSAGE) -> list[Text]:
    """The text in parts of at most ``limit`` characters (measured as the fallback)."""
    return split_spans(text, fallback_span, limit)


def messages(text: Text, buttons: ButtonRows = ()) -> list[Message]:
    """One message per part of the text, the buttons under the last one."""
    parts = chunks(text) or [Text()]
    result: list[Message] = []
    for index, part in enumerate(parts):
        blocks = [rich_text(part)]
        if index == len(parts) - 1:
            blocks += action_blocks(buttons)
        result.append((fallback(part), blocks))
    return result


def edit_message(text: Text, buttons: ButtonRows = ()) -> tuple[str, list[dict[str, Any]], bool]:
    """An edit replaces one message: the first part of the text (with ``…`` when the rest
    had to be cut, flagged True) and the buttons."""
    parts = chunks(text, TEXT_PER_MESSAGE - 1) or [Text()]
    part = parts[0] + ("…" if len(parts) > 1 else "")
    return fallback(part), [rich_text(part), *action_blocks(buttons)], len(parts) > 1


MODAL_TITLE = 24
"""Characters of a modal's title and of its submit button (Slack's limits)."""
DEFAULT_SUBMIT = "Submit"


def _plain(text: str, limit: int) -> dict[str, Any]:
    text = " ".join(text.split())
    clipped = text if len(text) <= limit else text[: limit - 1] + "…"
    return {"type": "plain_text", "text": clipped, "emoji": True}


def form_view(action: AskText) -> dict[str, Any]:
    """The modal ``views.open`` shows for :class:`~core.actions.AskText`: the title (cut
    to Slack's 24 characters), one multiline ``plain_text_input`` with the form's length
    limits, and ``private_metadata`` carrying what the submission needs, since a
    ``view_submission`` names neither the button nor its channel: the form's ``data``
    (``d``), the channel (``c``) and thread (``t``) where the button was pressed."""
    meta: dict[str, str] = {"d": action.data}
    if action.channel is not None:
        meta["c"] = action.channel.id
        if action.channel.thread_id:
            meta["t"] = action.channel.thread_id
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": FORM_INPUT,
        "multiline": True,
        "min_length": action.min_length,
        "max_length": action.max_length,
    }
    if action.placeholder:
        element["placeholder"] = _plain(action.placeholder, 150)
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": json.dumps(meta, separators=(",", ":")),
        "title": _plain(action.title, MODAL_TITLE),
        "submit": _plain(action.submit or DEFAULT_SUBMIT, MODAL_TITLE),
        "blocks": [
            {
                "type": "input",
                "block_id": FORM_BLOCK,
                "optional": action.min_length == 0,
                "label": _plain(action.label, 2000),
                "element": element,
            }
        ],
    }


def action_blocks(buttons: ButtonRows) -> list[dict[str, Any]]:
    """One actions block per row, laid out for Slack (:data:`BUTTONS`, see
    :mod:`core.layout`); ``value`` is the button's compact payload."""
    result: list[dict[str, Any]] = []
    for row_index, row in enumerate(layout(buttons, BUTTONS)):
        elements = []
        for index, button in enumerate(row):
            pressable: dict[str, Any] = {
                "type": "button",
                "text": {"type": "plain_text", "text": button.label, "emoji": True},
                "value": button.data,
                "action_id": f"ts_{row_index}_{index}",
            }
            if button.style is ButtonStyle.PRIMARY:
                pressable["style"] = "primary"
            elif button.style is ButtonStyle.DANGER:
                pressable["style"] = "danger"
            elements.append(pressable)
        result.append({"type": "actions", "elements": elements})
    return result
