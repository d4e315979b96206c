"""Rendering core text for Slack: rich text blocks, the fallback text, splitting, buttons."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakes.slack import blocks as kit
from townsquare.adapters.slack import outbound
from townsquare.core.actions import Button, ButtonStyle
from townsquare.core.i18n import translator
from townsquare.core.text import Span, Style, Text, bold, code, compose, italic, link, mention

EVE = "U0EVE"


def section(text: Text) -> list[dict[str, object]]:
    ((_fallback, blocks),) = outbound.messages(text)
    (block,) = blocks
    assert block["type"] == "rich_text"
    (container,) = block["elements"]
    assert container["type"] == "rich_text_section"
    return list(container["elements"])


def test_styles_become_explicit_style_objects() -> None:
    text = compose(
        "{b} {i} {c} {l} {m} {other}",
        b=bold("*b*"),
        i=italic("_i_"),
        c=code("`c`"),
        l=link("docs", "https://x.example/a_b"),
        m=mention(EVE, "Eve"),
        other=mention("123456789012345678", "Dee"),
    )
    assert section(text) == [
        {"type": "text", "text": "*b*", "style": {"bold": True}},
        {"type": "text", "text": " "},
        {"type": "text", "text": "_i_", "style": {"italic": True}},
        {"type": "text", "text": " "},
        {"type": "text", "text": "`c`", "style": {"code": True}},
        {"type": "text", "text": " "},
        {"type": "link", "url": "https://x.example/a_b", "text": "docs"},
        {"type": "text", "text": " "},
        {"type": "user", "user_id": EVE},
        {"type": "text", "text": " "},
        {"type": "text", "text": "@Dee"},
    ]
    ((fallback, _blocks),) = outbound.messages(text)
    assert fallback == f"*b* _i_ `c` <https://x.example/a_b|docs> <@{EVE}> @Dee"


def test_links_the_bot_cannot_vouch_for_are_text() -> None:
    assert section(Text((link("x", "javascript:alert(1)"),))) == [{"type": "text", "text": "x"}]
    assert section(Text((link("x", "https://a b"),))) == [{"type": "text", "text": "x"}]
    ((fallback, _blocks),) = outbound.messages(Text((link("a|b>", "https://x.example/?q=|>"),)))
    assert fallback == "<https://x.example/?q=%7C&gt;|a∣b&gt;>"


def test_neighbouring_spans_of_one_style_share_an_element() -> None:
    text = Text((Span("@"), Span("everyone"), bold("a"), bold("b")))
    assert section(text) == [
        {"type": "text", "text": "@everyone"},
        {"type": "text", "text": "ab", "style": {"bold": True}},
    ]


AT = datetime(2026, 11, 23, 12, 15, tzinfo=UTC)


def test_a_moment_is_a_date_element_slack_shows_in_each_readers_time_zone() -> None:
    deadline = translator("ru").moment(AT)
    text = compose("closes {when}", when=deadline) + compose(
        " {day}", day=translator("en").moment(AT, with_time=False)
    )
    ((fallback, blocks),) = outbound.messages(text)
    kit.check({"text": fallback, "blocks": blocks})
    assert section(text)[1:] == [
        {
            "type": "date",
            "timestamp": int(AT.timestamp()),
            "format": "{date_long_pretty} {time}",
            "fallback": deadline.text,
        },
        {"type": "text", "text": " "},
        {
            "type": "date",
            "timestamp": int(AT.timestamp()),
            "format": "{date_long_pretty}",
            "fallback": "Nov 23, 2026",
        },
    ]
    assert "23 нояб. 2026" in fallback and fallback.endswith("UTC Nov 23, 2026")
    assert kit.message_text({"text": fallback, "blocks": blocks}) == fallback


user_text = st.text(alphabet=st.sampled_from(list("*_~`<>&!@|:/ \nUab")), max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(user_text, st.sampled_from(list(Style))), max_size=6))
def test_every_message_is_one_slack_accepts_and_pings_nobody_unasked(
    parts: list[tuple[str, Style]],
) -> None:
    spans = [
        mention(EVE, typed)
        if style is Style.MENTION
        else link(typed, "https://x.example/")
        if style is Style.LINK
        else Span(typed, style, at=AT if style in (Style.TIME, Style.DATE) else None)
        for typed, style in parts
    ]
    text = Text(tuple(spans))
    for fallback, blocks in outbound.messages(text):
        message = {"text": fallback, "blocks": blocks}
        kit.check(message)
        assert kit.pings(message)["broadcast"] == []
        assert set(kit.pings(message)["users"]) <= {EVE}
        assert set(kit.pings({"text": fallback})["users"]) <= {EVE}
        assert kit.pings({"text": fallback})["broadcast"] == []


def test_long_texts_split_into_messages_slack_accepts_with_buttons_under_the_last() -> None:
    text = Text() + ("line of words\n" * 2000)
    buttons = ((Button("A", "a"), Button("B", "b", ButtonStyle.DANGER)),)
    sent = outbound.messages(text, buttons)
    assert len(sent) == 4  # 28,000 characters, at most 9,000 a message
    for index, (fallback, blocks) in enumerate(sent):
        kit.check({"text": fallback, "blocks": blocks})
        assert len(fallback) <= outbound.TEXT_PER_MESSAGE
        assert [b["type"] for b in blocks] == ["rich_text"] + ["actions"] * (index == 3)
    shown = "\n".join(kit.message_text({"blocks": blocks}) for _fallback, blocks in sent)
    assert shown.split() == text.plain().split()


def test_an_edit_is_one_message_cut_with_an_ellipsis() -> None:
    fallback, blocks, cut = outbound.edit_message(Text() + ("word " * 5000), ((Button("A", "a"),),))
    assert cut and fallback.endswith("…") and len(fallback) <= outbound.TEXT_PER_MESSAGE
    assert [b["type"] for b in blocks] == ["rich_text", "actions"]
    kit.check({"text": fallback, "blocks": blocks})
    assert outbound.edit_message(Text() + "short", ())[2] is False


def test_empty_text_is_still_a_valid_message() -> None:
    ((fallback, blocks),) = outbound.messages(Text(), ((Button("A", "a"),),))
    kit.check({"text": fallback, "blocks": blocks})
    assert [b["type"] for b in blocks] == ["rich_text", "actions"]
