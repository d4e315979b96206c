"""Splitting rendered text at the platform limit without breaking markup."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from townsquare.core.text import Span, Style, Text, bold, code, render, split_spans, split_text

TAG = re.compile(r"</?(b|code)>")


def render_html(span: Span) -> str:
    """A Telegram-like renderer: escaping expands ``<`` to four extra characters."""
    escaped = html.escape(span.text, quote=False)
    if span.style is Style.BOLD:
        return f"<b>{escaped}</b>"
    if span.style is Style.CODE:
        return f"<code>{escaped}</code>"
    return escaped


def content(chunk: str) -> str:
    return html.unescape(TAG.sub("", chunk))


def non_space(text: str) -> str:
    return "".join(char for char in text if not char.isspace())


def well_formed(chunk: str) -> bool:
    """Tags are balanced and nested, and every ``&`` starts a whole entity."""
    stack: list[str] = []
    for match in TAG.finditer(chunk):
        tag = match.group(0)
        if tag.startswith("</"):
            if not stack or stack.pop() != tag[2:-1]:
                return False
        else:
            stack.append(tag[1:-1])
    return not stack and all(
        re.match(r"&(amp|lt|gt);", chunk[at:]) for at in range(len(chunk)) if chunk[at] == "&"
    )


words = st.text(alphabet="ab<&> \n", max_size=40)
spans = st.builds(Span, words, st.sampled_from([Style.PLAIN, Style.BOLD, Style.CODE]))
texts = st.builds(lambda parts: Text(tuple(parts)), st.lists(spans, max_size=8))


@given(texts, st.integers(min_value=10, max_value=80))
def test_chunks_fit_keep_content_and_markup(text: Text, limit: int) -> None:
    chunks = split_text(text, render_html, limit)
    for chunk in chunks:
        assert 0 < len(chunk) <= limit
        assert chunk == chunk.strip()
        assert chunk.count("<b>") == chunk.count("</b>")
        assert well_formed(chunk), chunk
    assert non_space("".join(content(chunk) for chunk in chunks)) == non_space(text.plain())


@given(texts, st.integers(min_value=10, max_value=400))
def test_text_that_fits_is_one_chunk(text: Text, limit: int) -> None:
    # Blank styled spans render as bare markup (``<b></b>``), which splitting drops.
    assume(all(span.style is Style.PLAIN or span.text.strip() for span in text.spans))
    rendered = render(text, render_html).strip()
    if rendered and len(rendered) <= limit:
        assert split_text(text, render_html, limit) == [rendered]


def test_empty_and_blank_texts_give_no_chunks() -> None:
    assert split_text(Text(), render_html, 10) == []
    assert split_text(Text((Span(" \n "), bold("  "))), render_html, 10) == []


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="limit"):
        split_text(Text((Span("x"),)), render_html, 0)


def test_breaks_between_lines_when_lines_fit() -> None:
    text = Text((Span("first line here\nsecond line\nthird one is here\nfour"),))
    assert split_text(text, render_html, 30) == [
        "first line here\nsecond line",
        "third one is here\nfour",
    ]


def test_prefers_the_last_line_break_over_a_later_space() -> None:
    text = Text((Span("Title\nwords that keep going on"),))
    assert split_text(text, render_html, 20) == ["Title", "words that keep", "going on"]


def test_breaks_at_spaces_inside_a_long_line() -> None:
    text = Text((Span("alpha beta gamma delta epsilon"),))
    assert split_text(text, render_html, 12) == ["alpha beta", "gamma delta", "epsilon"]


def test_a_styled_span_that_fits_moves_whole_to_the_next_chunk() -> None:
    text = Text((Span("Winner: "), bold("Eve <the great>")))
    assert split_text(text, render_html, 30) == ["Winner:", "<b>Eve &lt;the great&gt;</b>"]


def test_a_long_styled_span_is_cut_into_styled_pieces_at_spaces() -> None:
    text = Text((bold("one two three four five six"),))
    assert split_text(text, render_html, 20) == [
        "<b>one two three</b>",
        "<b>four five six</b>",
    ]


def test_an_overlong_word_is_cut_where_its_rendering_fits() -> None:
    chunks = split_text(Text((Span("<" * 25),)), render_html, 10)
    assert chunks == ["&lt;&lt;"] * 12 + ["&lt;"]
    styled = split_text(Text((code("x" * 30),)), render_html, 20)
    assert all(len(chunk) <= 20 and well_formed(chunk) for chunk in styled)
    assert "".join(content(chunk) for chunk in styled) == "x" * 30


def test_markup_longer_than_the_limit_degrades_to_plain_text() -> None:
    def long_tags(span: Span) -> str:
        if span.style is Style.BOLD:
            return f"<strong class='x'>{span.text}</strong>"
        return span.text

    chunks = split_text(Text((bold("abc"),)), long_tags, 10)
    assert chunks == ["abc"]


def test_non_breaking_space_keeps_words_together() -> None:
    chunks = split_text(Text((Span("aaaa 10\u00a0km bb"),)), render_html, 9)
    assert chunks == ["aaaa", "10\u00a0km bb"]


def test_a_renderer_whose_markup_grows_with_the_words_still_fits() -> None:
    """Packing estimates a run's length from its pieces; a chunk over the limit is redone.

    Here merging pieces costs more than rendering them apart, which breaks the estimate.
    """

    def growing(span: Span) -> str:
        if span.style is Style.BOLD:
            return f"<b>{span.text}{'!' * 30 * max(span.text.count('w') - 1, 0)}</b>"
        return span.text

    text = Text((bold(" ".join(["word"] * 40)),))
    chunks = split_text(text, growing, 60)
    assert all(len(chunk) <= 60 for chunk in chunks)
    assert non_space("".join(TAG.sub("", chunk).replace("!", "") for chunk in chunks)) == (
        "word" * 40
    )


@given(texts, st.integers(min_value=10, max_value=80))
def test_split_spans_gives_the_chunks_of_split_text_as_texts(text: Text, limit: int) -> None:
    as_texts = split_spans(text, render_html, limit)
    assert [render(chunk, render_html) for chunk in as_texts] == split_text(
        text, render_html, limit
    )
    for chunk in as_texts:
        assert chunk.spans and all(span.text for span in chunk.spans)
