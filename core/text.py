"""Neutral rich text: what the bot says, before any platform syntax.

A :class:`Text` is a flat sequence of :class:`Span` s (plain, bold, italic, code, link,
mention). Adapters render spans into Telegram HTML, Discord markdown or Slack mrkdwn and
escape every character that came from a user, so a display name can never turn into markup
or a mass mention. Features build texts with :func:`compose`, which fills a template whose
fields may themselves be styled spans.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum


class Style(StrEnum):
    PLAIN = "plain"
    BOLD = "bold"
    ITALIC = "italic"
    CODE = "code"
    LINK = "link"
    MENTION = "mention"


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    style: Style = Style.PLAIN
    url: str | None = None
    """Target of a ``LINK`` span."""
    user_id: str | None = None
    """Platform user id of a ``MENTION`` span; ``text`` is the display name shown."""


@dataclass(frozen=True, slots=True)
class Text:
    spans: tuple[Span, ...] = ()

    def __add__(self, other: TextLike) -> Text:
        return Text(self.spans + as_text(other).spans)

    def __radd__(self, other: TextLike) -> Text:
        return Text(as_text(other).spans + self.spans)

    def __bool__(self) -> bool:
        return any(span.text for span in self.spans)

    def plain(self) -> str:
        """The text without any styling (mentions become ``@name``)."""
        return "".join(
            f"@{span.text}" if span.style is Style.MENTION else span.text for span in self.spans
        )

    def __str__(self) -> str:
        return self.plain()


TextLike = Text | Span | str


def as_text(value: TextLike) -> Text:
    if isinstance(value, Text):
        return value
    if isinstance(value, Span):
        return Text((value,))
    return Text((Span(value),)) if value else Text()


def plain(value: str) -> Text:
    return as_text(value)


def bold(value: str) -> Span:
    return Span(value, Style.BOLD)


def italic(value: str) -> Span:
    return Span(value, Style.ITALIC)


def code(value: str) -> Span:
    return Span(value, Style.CODE)


def link(label: str, url: str) -> Span:
    return Span(label, Style.LINK, url=url)


def mention(user_id: str, display_name: str) -> Span:
    return Span(display_name, Style.MENTION, user_id=user_id)


def join(parts: Iterable[TextLike], separator: TextLike = "") -> Text:
    result = Text()
    sep = as_text(separator)
    for index, part in enumerate(parts):
        if index:
            result = result + sep
        result = result + as_text(part)
    return result


def lines(*parts: TextLike) -> Text:
    return join(parts, "\n")


def compose(template: str, **values: TextLike) -> Text:
    """Fill ``{field}`` s of a trusted template with values that stay spans.

    ``compose("Welcome, {name}!", name=bold("<Eve>"))`` keeps ``<Eve>`` as a bold span that
    the adapter escapes; the template itself is plain text. Raises ``KeyError`` for a field
    without a value and ``ValueError`` for bad braces, which callers turn into messages.
    """
    spans: list[Span] = []
    for literal, field_name, format_spec, conversion in string.Formatter().parse(template):
        if literal:
            spans.append(Span(literal))
        if field_name is None:
            continue
        if format_spec or conversion or not field_name.isidentifier():
            raise ValueError(f"unsupported field {{{field_name}}}")
        spans.extend(as_text(values[field_name]).spans)
    return Text(tuple(spans))


SpanRenderer = Callable[[Span], str]


def render(text: Text, render_span: SpanRenderer) -> str:
    return "".join(render_span(span) for span in text.spans)


def split_text(text: Text, render_span: SpanRenderer, limit: int) -> list[str]:
    """Render ``text`` into chunks of at most ``limit`` characters each.

    Breaks at line boundaries first, then at spaces, and only inside a word when a word alone
    is longer than the limit. A styled span is never cut through its markup: a span too long
    for one chunk is split into pieces that each carry the style. Empty text gives ``[]``.
    """
    raise NotImplementedError  # implemented together with its property tests
