"""Core text and actions -> Discord REST payloads. Pure functions, no I/O.

Safety rules, applied to every message the bot sends or edits:

* every character that came from a user (plain, bold, italic and link spans, toasts) is
  made inert by :func:`escape`, so a display name such as ``@everyone **boss**`` shows
  literally and can neither format the message nor form ``@everyone``, ``@here``,
  ``<@id>``, ``<@&role>``, a masked link, a quote, a heading or a list (see
  :func:`escape` for how, and why links a member wrote stay clickable);
* neighbouring spans of one style are escaped together, so a template ending in ``@``
  followed by the name ``everyone`` is caught; a same-length safety net then breaks any
  ``@everyone``, ``@here``, role mention or unintended ``<@id>`` formed across styles;
* a :data:`~core.text.Style.MENTION` span becomes ``<@id>`` and is the only thing allowed
  to ping: ``allowed_mentions`` is ``{"parse": [], "users": [ids of mention spans]}``, so
  even text that slipped through could not ping everyone, a role or anybody else (a
  mention of an id from another platform is shown as an escaped ``@name``);
* texts longer than Discord's 2000 characters are split on line or word boundaries by
  :func:`core.text.split_text`; buttons go on the last message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import discord
from discord.utils import escape_mentions

from townsquare.core.actions import AskText, Button, ButtonRows, ButtonStyle
from townsquare.core.capabilities import Capability, RateLimits
from townsquare.core.layout import ButtonLimits, layout
from townsquare.core.refs import MessageRef
from townsquare.core.text import Span, Style, Text, mention, split_text, unix_time

MAX_TEXT = 2000
MAX_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_LABEL = 80
MAX_TIMEOUT = timedelta(days=28)
TIMEOUT_MARGIN = timedelta(minutes=5)
"""Discord rejects a timeout ending more than 28 days ahead, measured by its clock; the
margin keeps a slightly fast local clock from turning a maximal mute into an error."""

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
        Capability.EPHEMERAL,
        Capability.FILES,
        Capability.ROLES,
        Capability.FORMS,
        Capability.PIN,
        Capability.CROSSPOST,
        Capability.SCHEDULED_EVENTS,
    }
)
LIMITS = RateLimits(per_bot=50, per_chat=5, per_chat_window=5, max_text=MAX_TEXT)
"""Discord: 50 requests/s per bot, 5 messages per 5 s in one channel (a DM channel too);
discord.py's HTTPClient also follows the route buckets its ``X-RateLimit-*`` headers report."""

SUPPRESS_NOTIFICATIONS = 1 << 12

ASKS_TEXT_MARK = "~"
"""Starts the ``custom_id`` of a button whose press may be answered with a form
(:attr:`core.actions.Button.asks_text`): the transport must not defer such a press before
the core answered, since a modal has to be an interaction's first response. Inbound
strips it, so the core sees its ``Button.data`` (at most 64 bytes: with the mark the
``custom_id`` stays within Discord's 100 characters)."""
MAX_CUSTOM_ID = 100
MAX_MODAL_TITLE = 45
FORM_INPUT_ID = "text"
"""``custom_id`` of the one text input of a form's modal; the modal's own ``custom_id``
is the form's ``data``, which the submission carries back."""
BUTTONS = ButtonLimits(
    rows=MAX_ROWS,
    per_row=MAX_ROW_BUTTONS,
    buttons=MAX_ROWS * MAX_ROW_BUTTONS,
    data_bytes=MAX_CUSTOM_ID - len(ASKS_TEXT_MARK),
    label=MAX_LABEL,
    row_width=40,
)
"""A message holds 5 action rows of 5 buttons; a ``custom_id`` has at most 100 characters
(the form mark included), a label 80. About 40 characters of labels fit a phone's row."""

BUTTON_STYLES = {ButtonStyle.PRIMARY: 1, ButtonStyle.DEFAULT: 2, ButtonStyle.DANGER: 4}

MOMENT_FORMATS = {Style.TIME: "F", Style.DATE: "D"}
"""Discord timestamp styles: weekday, date and time; or the long date."""
_SNOWFLAKE = re.compile(r"^[0-9]{15,21}$")
_URL_UNSAFE = "()<> \t\r\n\"'"


def is_snowflake(value: str | None) -> bool:
    """True for a Discord id; mentions of ids from other platforms are rendered as names."""
    return bool(value and _SNOWFLAKE.match(value))


_INLINE_MARKUP = re.compile(r"[\\*_~|`\[\]<]")
"""Escaped wherever they are: emphasis, underline, strike, spoiler, code, masked links
(``[``, ``]``) and every ``<…>`` form (mentions, channels, timestamps, custom emoji)."""
_LINE_MARKUP = re.compile(r"(?:^|(?<=\s))(?:[>#]+(?=\s|$)|[-+](?=\s|$|#)|\d+\.(?=\s|$))")
"""Quotes (``>``, ``>>>``), headings (``#``-``###``), subtext (``-#``), lists (``-``,
``+``, ``1.``): markup only at the start of a line, escaped at the start of every word
(a word may start a line once the text is split into messages or placed in a template)."""
_MEMBER_URL = re.compile(r"https?://[^\s<]*[^\s<>.,:;\"')\]]")
"""A bare URL as Discord auto-links it: up to whitespace or ``<``, without trailing
punctuation."""
_URL_ENCODED = {char: f"%{ord(char):02X}" for char in "\\*_~|`[]<>"}


def _escape_words(text: str) -> str:
    text = _INLINE_MARKUP.sub(lambda match: "\\" + match.group(0), text)
    return _LINE_MARKUP.sub(_escape_line_start, text)


def _escape_line_start(match: re.Match[str]) -> str:
    """``>>>`` -> ``\\>\\>\\>``, ``1.`` -> ``1\\.`` (a backslash before a digit would show)."""
    return "".join(char if char.isalnum() else "\\" + char for char in match.group(0))


def escape(text: str) -> str:
    """User text made inert: no markdown, no mass or role mentions, no ``<@id>``.

    Every markdown character is backslash-escaped; characters that are markup only at the
    start of a line are escaped at the start of every word, so the result does not depend
    on where a line begins (texts are split into messages, rendered a word at a time).
    ``discord.utils.escape_markdown`` is not enough: it leaves line-start markup split
    from its space, ``1.`` lists, and everything after a URL up to the next space
    (``ignore_links``), while escaping inside URLs breaks them.

    A bare URL a member wrote stays a clickable link: Discord auto-links it before reading
    any markdown in it, and the markdown characters inside it are percent-encoded (``_``
    becomes ``%5F``, by RFC 3986 the same address; ``*``, ``[``, ``]`` and the like are
    read alike by practically every server), so nothing in or next to the link can format
    the message or hide another link behind a label.

    Plain spans are plain for the bot's own words too: a ``1. `` or ``- `` line of a poll
    tally or a list shows as written rather than as a Discord list.
    """
    parts: list[str] = []
    start = 0
    for match in _MEMBER_URL.finditer(text):
        parts.append(_escape_words(text[start : match.start()]))
        parts.append("".join(_URL_ENCODED.get(char, char) for char in match.group(0)))
        start = match.end()
    parts.append(_escape_words(text[start:]))
    return escape_mentions("".join(parts))


def _safe_url(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return "".join(quote(char, safe="") if char in _URL_UNSAFE else char for char in url.strip())


def render_span(span: Span) -> str:
    """One span in Discord markdown; see the module docstring for the safety rules."""
    if not span.text:
        return ""
    if span.style is Style.MENTION:
        if is_snowflake(span.user_id):
            return f"<@{span.user_id}>"
        return escape("@" + span.text)
    if span.style is Style.CODE:
        # Markdown inside code is not interpreted; a backtick would end the code early.
        return "`" + span.text.replace("`", "ˋ") + "`"
    if span.style in MOMENT_FORMATS and span.at is not None:
        # Discord writes it in each reader's time zone and language.
        return f"<t:{unix_time(span)}:{MOMENT_FORMATS[span.style]}>"
    if span.style in _EMPHASIS:
        return _emphasis(span.text, _EMPHASIS[span.style])
    body = escape(span.text)
    if span.style is Style.LINK:
        url = _safe_url(span.url)
        if url is None:
            return body
        return "[" + body + "](" + url + ")"
    return body


_EMPHASIS = {Style.BOLD: "**", Style.ITALIC: "*"}


def _emphasis(text: str, marker: str) -> str:
    """``**bold**``: whitespace at either end stays outside the markers, since Discord (like
    CommonMark) does not close ``*closes *`` and would show the asterisks."""
    inner = text.strip()
    if not inner:
        return escape(text)
    start = text.index(inner)
    return f"{text[:start]}{marker}{escape(inner)}{marker}{text[start + len(inner) :]}"


def merge_spans(text: Text) -> Text:
    """Join neighbouring spans of the same style, so escaping sees ``"@" + "everyone"``
    (a template ending in ``@`` followed by a user's name) as the one word it renders to."""
    merged: list[Span] = []
    for span in text.spans:
        if not span.text:
            continue
        last = merged[-1] if merged else None
        if (
            last is not None
            and span.style is last.style
            and span.style not in (Style.MENTION, *MOMENT_FORMATS)
            and (span.url, span.user_id) == (last.url, last.user_id)
        ):
            merged[-1] = replace(last, text=last.text + span.text)
        else:
            merged.append(span)
    return Text(tuple(merged))


_MASS_MENTION = re.compile(r"@(?=everyone|here)|(?<=<)@(?=&\d)")
_USER_MENTION = re.compile(r"<@!?(\d+)>")


def neutralize(chunk: str, allowed_users: Iterable[str]) -> str:
    """Last line of defence for markup formed across differently styled spans: an
    ``@everyone``, ``@here``, role mention or mention of a user nobody meant to mention gets
    a full-width at sign (same length, so the chunk still fits). ``allowed_mentions`` would
    stop the ping anyway; this keeps the text from even looking like one."""
    allowed = set(allowed_users)
    chunk = _MASS_MENTION.sub("＠", chunk)

    def user(match: re.Match[str]) -> str:
        return match.group(0) if match.group(1) in allowed else "<＠" + match.group(0)[2:]

    return _USER_MENTION.sub(user, chunk)


def render(text: Text) -> list[str]:
    """The text as one or more messages of at most 2000 characters."""
    merged = merge_spans(text)
    allowed = mentioned_users(merged)
    return [neutralize(chunk, allowed) for chunk in split_text(merged, render_span, MAX_TEXT)]


def mentioned_users(text: Text) -> list[str]:
    """Discord ids of the mention spans, in order, without repeats (at most 100)."""
    found: list[str] = []
    for span in text.spans:
        if span.style is Style.MENTION and is_snowflake(span.user_id) and span.user_id not in found:
            found.append(span.user_id)  # type: ignore[arg-type]
    return found[:100]


def allowed_mentions(text: Text | None = None) -> dict[str, Any]:
    """Only the explicitly mentioned users may be pinged; never everyone, here or roles,
    and a reply never pings the author of the replied-to message."""
    users = mentioned_users(text) if text is not None else []
    payload: dict[str, Any] = {"parse": [], "replied_user": False}
    if users:
        payload["users"] = users
    return payload


def custom_id(button: Button) -> str:
    """The core's ``Button.data``, marked with :data:`ASKS_TEXT_MARK` when the press may
    be answered with a form."""
    return ASKS_TEXT_MARK + button.data if button.asks_text else button.data


def pressed_data(custom_id: str) -> tuple[str, bool]:
    """``(Button.data, asks_text)`` of a pressed button's ``custom_id``."""
    if custom_id.startswith(ASKS_TEXT_MARK):
        return custom_id[len(ASKS_TEXT_MARK) :], True
    return custom_id, False


def form_modal(action: AskText) -> discord.ui.Modal:
    """The modal asking for :class:`~core.actions.AskText`'s text: the title, one
    paragraph text input under a label (Discord's ``Label`` component), its length
    limits and placeholder. The modal's ``custom_id`` is the form's ``data``.

    The modal is stopped before it is sent, so discord.py does not keep it in its view
    store waiting for a submission: submissions are handled by the adapter like button
    presses, which also keeps them working after a restart."""
    modal = discord.ui.Modal(title=_clip(action.title, MAX_MODAL_TITLE), custom_id=action.data)
    field: discord.ui.TextInput[discord.ui.Modal] = discord.ui.TextInput(
        style=discord.TextStyle.paragraph,
        custom_id=FORM_INPUT_ID,
        placeholder=action.placeholder or None,
        required=action.min_length > 0,
        min_length=action.min_length,
        max_length=action.max_length,
    )
    modal.add_item(discord.ui.Label(text=_clip(action.label, MAX_MODAL_TITLE), component=field))
    modal.stop()
    return modal


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def components(buttons: ButtonRows) -> list[dict[str, Any]]:
    """Action rows of buttons, laid out for Discord (:data:`BUTTONS`, see
    :mod:`core.layout`: ten poll options and Retract fit its five rows of five).
    ``custom_id`` is the core's ``Button.data`` (marked for presses that may open a form,
    see :func:`custom_id`): it is all a press needs, so buttons keep working after a
    restart (no in-memory views)."""
    return [
        {
            "type": 1,
            "components": [
                {
                    "type": 2,
                    "style": BUTTON_STYLES.get(button.style, 2),
                    "label": _label(button.label),
                    "custom_id": custom_id(button),
                }
                for button in row
            ],
        }
        for row in layout(buttons, BUTTONS)
    ]


def _label(label: str) -> str:
    label = " ".join(label.split()) or "·"
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def message_payloads(
    text: Text,
    buttons: ButtonRows = (),
    *,
    reply_to: MessageRef | None = None,
    silent: bool = False,
) -> list[dict[str, Any]]:
    """``POST /channels/{id}/messages`` bodies: one per chunk, buttons on the last, the
    reply reference on the first."""
    chunks = render(text)
    rows = components(buttons)
    if not chunks:
        if not rows:
            return []
        chunks = [""]
    mentions = allowed_mentions(text)
    bodies: list[dict[str, Any]] = []
    for index, chunk in enumerate(chunks):
        body: dict[str, Any] = {"content": chunk, "allowed_mentions": mentions}
        if index == 0 and reply_to is not None and is_snowflake(reply_to.message_id):
            body["message_reference"] = {
                "message_id": reply_to.message_id,
                "fail_if_not_exists": False,
            }
        if silent:
            body["flags"] = SUPPRESS_NOTIFICATIONS
        if index == len(chunks) - 1 and rows:
            body["components"] = rows
        bodies.append(body)
    return bodies


def file_payloads(caption: Text, filename: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A file as a message attachment: the bodies of messages sent first (when the caption
    is longer than one message), and the ``payload_json`` of the message carrying the last
    caption chunk and the file as ``files[0]`` (attachment id 0)."""
    chunks = render(caption)
    mentions = allowed_mentions(caption)
    before = [{"content": chunk, "allowed_mentions": mentions} for chunk in chunks[:-1]]
    body: dict[str, Any] = {
        "content": chunks[-1] if chunks else "",
        "allowed_mentions": mentions,
        "attachments": [{"id": 0, "filename": filename}],
    }
    return before, body


def edit_payload(text: Text, buttons: ButtonRows = ()) -> tuple[dict[str, Any], bool]:
    """``PATCH`` body replacing text and buttons; the flag is True when the text had to be
    cut to one message (an edit cannot add messages)."""
    chunks = render(text)
    body = {
        "content": chunks[0] if chunks else "",
        "components": components(buttons),
        "allowed_mentions": allowed_mentions(text),
    }
    return body, len(chunks) > 1


def with_mention(user_id: str, display_name: str, text: Text) -> Text:
    """``@member text``: how a private reply is addressed when it has to go public."""
    return Text((mention(user_id, display_name), Span(" "))) + text


def toast(text: str) -> str:
    """A button toast (bot-authored but may quote user text): escaped, one message."""
    escaped = escape(" ".join(text.split()))
    return escaped if len(escaped) <= MAX_TEXT else escaped[: MAX_TEXT - 1] + "…"


def timeout_until(until: datetime | None, now: datetime) -> tuple[datetime, bool]:
    """When a Discord timeout ("mute") ends, and whether the request had to be shortened.

    Discord timeouts last at most 28 days. A mute without end (``until=None``) or longer
    than that becomes the longest timeout Discord accepts (28 days, less a small margin);
    the flag lets the caller log that the mute was shortened.
    """
    longest = now + MAX_TIMEOUT - TIMEOUT_MARGIN
    if until is None or until > longest:
        return longest, until is not None
    return until, False
