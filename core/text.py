"""Neutral rich text: what the bot says, before any platform syntax.

A :class:`Text` is a flat sequence of :class:`Span` s (plain, bold, italic, code, link,
mention, moment). Adapters render spans into Telegram HTML or Discord markdown, escaping
every character that came from a user, or into Slack rich text blocks, which Slack never
parses for markup, so a display name can never turn into markup or a mass mention. Features
build texts with :func:`compose`, which fills a template whose fields may themselves be
styled spans.

A moment (``TIME``: a date and time, ``DATE``: a day) carries its UTC instant: Telegram
(``<tg-time>``), Discord (``<t:…>``) and Slack (a rich-text ``date``) show it in each
reader's own time zone and language; elsewhere, and in notifications, its ``text`` is shown,
written in the community's language in UTC (:meth:`core.i18n.Translator.moment`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum, StrEnum


class Style(StrEnum):
    PLAIN = "plain"
    BOLD = "bold"
    ITALIC = "italic"
    CODE = "code"
    LINK = "link"
    MENTION = "mention"
    TIME = "time"
    """A moment with its time of day (a poll's deadline, when a case was opened)."""
    DATE = "date"
    """A day (when a warning expires)."""


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    style: Style = Style.PLAIN
    url: str | None = None
    """Target of a ``LINK`` span."""
    user_id: str | None = None
    """Platform user id of a ``MENTION`` span; ``text`` is the display name shown."""
    at: datetime | None = None
    """The UTC instant of a ``TIME`` or ``DATE`` span; ``text`` is how it reads in UTC."""


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


def moment(at: datetime, text: str, *, with_time: bool = True) -> Span:
    """A moment shown in each reader's time zone where the platform can; ``text`` (the
    same moment written in UTC) everywhere else. Features use
    :meth:`core.i18n.Translator.moment`, which writes ``text`` in the community's language."""
    if at.utcoffset() is None:
        raise ValueError("a moment needs an aware datetime")
    return Span(text, Style.TIME if with_time else Style.DATE, at=at)


def unix_time(span: Span) -> int:
    """Seconds since the epoch of a moment span (what every platform's markup takes)."""
    assert span.at is not None
    return int(span.at.timestamp())


def italicise(value: TextLike) -> Text:
    """Plain spans in italics; styled ones (a moment, a mention) stay as they are, since
    spans do not nest."""
    return Text(
        tuple(
            replace(span, style=Style.ITALIC) if span.style is Style.PLAIN else span
            for span in as_text(value).spans
        )
    )


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
    Whitespace at chunk edges is dropped. Assumes ``render_span`` never renders a longer
    text shorter (true of escaping renderers); raises ``ValueError`` if a single character
    cannot be rendered within ``limit``.
    """
    return [chunk for chunk, _spans in _pack(text, render_span, limit)]


def split_spans(text: Text, render_span: SpanRenderer, limit: int) -> list[Text]:
    """The chunks of :func:`split_text` as texts, for platforms that take structure rather
    than markup (Slack's rich text): each chunk's spans rendered by ``render_span`` are at
    most ``limit`` characters, and ``render(chunk, render_span).strip()`` is the chunk
    :func:`split_text` gives. Whitespace at the edges of a chunk's plain spans is dropped.
    """
    return [spans for _chunk, spans in _pack(text, render_span, limit)]


def _pack(text: Text, render_span: SpanRenderer, limit: int) -> list[tuple[str, Text]]:
    if limit < 1:
        raise ValueError("limit must be positive")
    packer = _Packer(render_span, limit)
    for group, span in enumerate(text.spans):
        for atom in _atoms(span, group, render_span, limit):
            packer.add(atom)
    return packer.finish()


class _Kind(Enum):
    NEWLINE = "newline"
    SPACE = "space"
    WORD = "word"


@dataclass(frozen=True, slots=True)
class _Atom:
    """The unit of packing: a line break, a whitespace run, a word or a whole styled span."""

    span: Span
    kind: _Kind
    rendered: str
    group: int | None
    """Pieces of one over-long styled span share a group and render as one span per chunk."""


# Non-breaking spaces glue words together, so they count as word characters.
_GLUE = "\u00a0\u2007\u202f"
_PIECES = re.compile(rf"\n|[^\S\n{_GLUE}]+|(?:\S|[{_GLUE}])+")


def _kind(piece: str) -> _Kind:
    if not piece.isspace():
        return _Kind.WORD
    return _Kind.NEWLINE if "\n" in piece else _Kind.SPACE


def _atoms(span: Span, group: int, render_span: SpanRenderer, limit: int) -> Iterable[_Atom]:
    if not span.text:
        return
    if span.style is not Style.PLAIN:
        whole = render_span(span)
        if len(whole) <= limit:  # kept whole: never split markup that fits
            yield _Atom(span, _kind(span.text), whole, None)
            return
    for piece in _PIECES.findall(span.text):
        part = replace(span, text=piece)
        kind = _kind(piece)
        is_plain = span.style is Style.PLAIN
        yield _Atom(part, kind, render_span(part), None if is_plain else group)


class _Packer:
    """Greedy packing of atoms into chunks of at most ``limit`` rendered characters.

    The chunk being filled is kept as atoms, not text, so an overflow can move the words
    after the last line break (or space) to the next chunk and re-render them there.
    """

    def __init__(self, render_span: SpanRenderer, limit: int, *, estimate: bool = True) -> None:
        self.render_span = render_span
        self.limit = limit
        self.estimate = estimate
        self.chunks: list[tuple[str, Text]] = []
        """Each chunk rendered, and as the spans it was rendered from."""
        self._reset()

    def _reset(self) -> None:
        self.pending: list[_Atom] = []
        """Whitespace waiting for the next word: trailing whitespace is dropped, so it must
        never be the reason to start a new chunk."""
        self.atoms: list[_Atom] = []
        self.length = 0
        self.group_text = ""  # text of the group run the chunk ends with
        self.group_length = 0  # rendered length of that run

    def add(self, atom: _Atom) -> None:
        if atom.kind is not _Kind.WORD:
            self.pending.append(atom)
            return
        pending, self.pending = self.pending, []
        for whitespace in pending:
            self._add(whitespace)
        self._add(atom)

    def _add(self, atom: _Atom) -> None:
        while True:
            if not self.atoms and atom.kind is not _Kind.WORD:
                return  # whitespace at the start of a chunk is dropped
            if self._try_append(atom):
                return
            cut = self._break_index(atom)
            if cut == len(self.atoms):  # the atom itself is the best break
                self._emit(self.atoms)
                self._reset()
                return
            if cut is not None:
                head, tail = self.atoms[:cut], self.atoms[cut + 1 :]
                self._emit(head)
                self._reset()
                for moved in tail:
                    self._add(moved)
                continue
            if self.atoms:  # one long run without whitespace: cut between its atoms
                self._emit(self.atoms)
                self._reset()
                continue
            pieces = self._hard_split(atom)
            for piece in pieces[:-1]:
                self._emit([piece])
            atom = pieces[-1]

    def finish(self) -> list[tuple[str, Text]]:
        self._emit(self.atoms)
        self._reset()
        return self.chunks

    def _try_append(self, atom: _Atom) -> bool:
        joins_group = (
            atom.group is not None and bool(self.atoms) and self.atoms[-1].group == atom.group
        )
        if joins_group:
            # Extending a run costs at most the piece rendered alone (the markup is shared),
            # so the run is re-rendered only when that bound would overflow: re-rendering
            # every time is quadratic in the run's length.
            group_text = self.group_text + atom.span.text
            group_length = self.group_length + len(atom.rendered)
            if not self.estimate or self.length + len(atom.rendered) > self.limit:
                group_length = len(self.render_span(replace(atom.span, text=group_text)))
            length = self.length - self.group_length + group_length
        else:
            group_text, group_length = atom.span.text, len(atom.rendered)
            length = self.length + group_length
        if length > self.limit:
            return False
        self.atoms.append(atom)
        self.length = length
        self.group_text, self.group_length = group_text, group_length
        return True

    def _break_index(self, atom: _Atom) -> int | None:
        """Where to cut: the last line break, else the last space (``len`` = the atom)."""
        candidates = [*self.atoms, atom]
        for kind in (_Kind.NEWLINE, _Kind.SPACE):
            for index in range(len(candidates) - 1, -1, -1):
                if candidates[index].kind is kind:
                    return index
        return None

    def _hard_split(self, atom: _Atom) -> list[_Atom]:
        """Cut a word too long for any chunk into pieces whose rendering fits."""
        pieces: list[_Atom] = []
        remaining = atom.span.text
        while remaining:
            template = atom.span
            size = self._longest_fit(template, remaining)
            if size == 0:  # the markup alone is too long: degrade to plain text
                template = Span(remaining)
                size = self._longest_fit(template, remaining)
                if size == 0:
                    raise ValueError(f"limit {self.limit} is too small for {remaining[0]!r}")
            part = replace(template, text=remaining[:size])
            group = atom.group if template is atom.span else None
            pieces.append(_Atom(part, _Kind.WORD, self.render_span(part), group))
            remaining = remaining[size:]
        return pieces

    def _longest_fit(self, template: Span, text: str) -> int:
        """Longest prefix of ``text`` rendering within the limit (galloping, then bisection).

        Assumes a longer text never renders shorter, which holds for escaping renderers.
        """

        def fits(size: int) -> bool:
            return len(self.render_span(replace(template, text=text[:size]))) <= self.limit

        low, high = 0, 1
        while high <= len(text) and fits(high):
            low, high = high, high * 2
        high = min(high, len(text) + 1)
        while high - low > 1:
            middle = (low + high) // 2
            if fits(middle):
                low = middle
            else:
                high = middle
        return low

    def _emit(self, atoms: list[_Atom]) -> None:
        start, end = 0, len(atoms)
        while start < end and atoms[start].kind is not _Kind.WORD:
            start += 1
        while end > start and atoms[end - 1].kind is not _Kind.WORD:
            end -= 1
        parts: list[str] = []
        spans: list[Span] = []
        index = start
        while index < end:
            atom = atoms[index]
            run = index + 1
            if atom.group is not None:
                while run < end and atoms[run].group == atom.group:
                    run += 1
            if run - index > 1:
                merged = "".join(piece.span.text for piece in atoms[index:run])
                spans.append(replace(atom.span, text=merged))
                parts.append(self.render_span(spans[-1]))
            else:
                spans.append(atom.span)
                parts.append(atom.rendered)
            index = run
        chunk = "".join(parts).strip()
        if len(chunk) > self.limit:  # the renderer broke the bound: pack this chunk exactly
            exact = _Packer(self.render_span, self.limit, estimate=False)
            for atom in atoms[start:end]:
                exact.add(atom)
            self.chunks.extend(exact.finish())
        elif chunk:
            self.chunks.append((chunk, _strip_edges(spans)))


def _strip_edges(spans: list[Span]) -> Text:
    """The spans of a chunk without the whitespace that ``str.strip`` drops from its
    rendering: at the outer edges of plain spans (styled spans keep theirs inside markup)."""
    while spans and spans[0].style is Style.PLAIN and not spans[0].text.strip():
        spans = spans[1:]
    while spans and spans[-1].style is Style.PLAIN and not spans[-1].text.strip():
        spans = spans[:-1]
    if spans and spans[0].style is Style.PLAIN:
        spans = [replace(spans[0], text=spans[0].text.lstrip()), *spans[1:]]
    if spans and spans[-1].style is Style.PLAIN:
        spans = [*spans[:-1], replace(spans[-1], text=spans[-1].text.rstrip())]
    return Text(tuple(spans))
