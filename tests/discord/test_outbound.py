"""Rendering core text for Discord: escaping, mentions, buttons, splitting, timeouts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conformance.scenarios import HOSTILE_NAME
from tests.fakes.discord import FakeDiscord
from townsquare.adapters.discord import outbound
from townsquare.core.actions import Button, ButtonStyle
from townsquare.core.i18n import translator
from townsquare.core.refs import ChannelRef, MessageRef
from townsquare.core.text import Span, Style, Text, bold, code, compose, italic, link, mention

ALICE = "123456789012345678"
MASS = re.compile(r"@(everyone|here)")
RAW_MENTION = re.compile(r"<@[!&]?\d{15,21}>")  # what Discord renders as a mention

fragments = st.one_of(
    st.sampled_from(list("@<>!&*_~`|#-[]()\\ \n:")),
    st.sampled_from(["everyone", "here", ALICE, "http://x.y/", "# ", "-# ", "<@&", "<@!"]),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=3),
)
user_text = st.lists(fragments, max_size=20).map("".join)
styled = st.builds(
    Span,
    text=user_text,
    style=st.sampled_from([Style.PLAIN, Style.BOLD, Style.ITALIC, Style.LINK]),
    url=st.sampled_from([None, "https://example.org/a_b", "javascript:alert(1)"]),
)


def test_a_moment_is_a_discord_timestamp_each_reader_sees_in_their_own_time_zone() -> None:
    at = datetime(2026, 11, 23, 12, 15, tzinfo=UTC)
    unix = int(at.timestamp())
    deadline, day = translator("it").moment(at), translator("it").moment(at, with_time=False)
    (rendered,) = outbound.render(compose("chiude {a} · {b}{c}", a=deadline, b=day, c=day))
    assert rendered == f"chiude <t:{unix}:F> · <t:{unix}:D><t:{unix}:D>"
    hostile = Span("@everyone", Style.TIME, at=at)  # the UTC text is never sent to Discord
    assert outbound.render(Text((hostile,))) == [f"<t:{unix}:F>"]


@settings(max_examples=300, deadline=None)
@given(st.lists(styled, max_size=6))
def test_user_text_can_never_ping_or_mention(spans: list[Span]) -> None:
    text = Text(tuple(spans))
    for chunk in outbound.render(text):
        assert not MASS.search(chunk), chunk
        assert not RAW_MENTION.search(chunk), chunk
        pings = FakeDiscord.pings(chunk, outbound.allowed_mentions(text))
        assert pings == {"everyone": False, "users": [], "roles": []}


def test_hostile_name_in_a_greeting() -> None:
    text = compose("Welcome, {name}!", name=bold(HOSTILE_NAME))
    (chunk,) = outbound.render(text)
    assert chunk == (
        "Welcome, **@\u200beveryone \\<b>\\*Eve\\*\\</b> \\<!channel> \\_x\\_ &amp; @\u200bhere**!"
    )


def test_mention_span_is_the_only_ping() -> None:
    text = compose("Hi {who}, see <@{other}>", who=mention(ALICE, HOSTILE_NAME), other="1" * 18)
    body = outbound.message_payloads(text)[0]
    assert body["content"] == f"Hi <@{ALICE}>, see \\<@\u200b{'1' * 18}>"
    assert body["allowed_mentions"] == {"parse": [], "replied_user": False, "users": [ALICE]}
    assert FakeDiscord.pings(body["content"], body["allowed_mentions"])["users"] == [ALICE]


def test_emphasis_keeps_edge_whitespace_outside_its_markers() -> None:
    """Discord leaves ``*closes *`` unclosed and shows the asterisks."""
    assert outbound.render_span(italic("0 voters · closes ")) == "*0 voters · closes* "
    assert outbound.render_span(bold("\n  Rules:")) == "\n  **Rules:**"
    assert outbound.render_span(italic("   ")) == "   "


def test_styles_links_and_code() -> None:
    assert outbound.render_span(italic("a*b")) == "*a\\*b*"
    assert outbound.render_span(code("x`y")) == "`xˋy`"
    assert outbound.render_span(link("docs]", "https://x.org/a (b)")) == (
        "[docs\\]](https://x.org/a%20%28b%29)"
    )
    assert outbound.render_span(link("click", "javascript:alert(1)")) == "click"
    assert outbound.render_span(Span("", Style.BOLD)) == ""


def test_long_text_splits_with_buttons_on_the_last_message() -> None:
    text = Text() + ("line of words\n" * 400)
    buttons = ((Button("A", "a"), Button("B", "b", ButtonStyle.DANGER)),)
    reply = MessageRef(ChannelRef("1"), "223456789012345678")
    bodies = outbound.message_payloads(text, buttons, reply_to=reply, silent=True)
    assert len(bodies) == 3
    assert all(len(b["content"]) <= 2000 for b in bodies)
    assert "message_reference" in bodies[0] and "message_reference" not in bodies[1]
    assert [("components" in b) for b in bodies] == [False, False, True]
    assert all(b["flags"] == outbound.SUPPRESS_NOTIFICATIONS for b in bodies)
    assert outbound.message_payloads(Text()) == []
    (only_buttons,) = outbound.message_payloads(Text(), buttons)
    assert only_buttons["content"] == "" and only_buttons["components"]


def test_components_limits() -> None:
    row = tuple(Button(f"b{i}", f"d{i}") for i in range(7))
    rows = outbound.components((row,))
    assert [len(r["components"]) for r in rows] == [4, 3], "balanced rows of at most 5"
    assert outbound.components(((Button("x" * 100, "d"),),))[0]["components"][0]["label"] == (
        "x" * 79 + "…"
    )
    six = outbound.components(tuple((Button("b", f"d{i}"),) for i in range(6)))
    assert [[b["custom_id"] for b in r["components"]] for r in six] == [
        ["d0", "d1"],
        ["d2"],
        ["d3"],
        ["d4"],
        ["d5"],
    ], "six rows re-flowed into Discord's five, in order, the last row kept last"
    with pytest.raises(ValueError, match="at most 25"):
        outbound.components((tuple(Button("b", f"d{i}") for i in range(26)),))


def test_edit_payload_cuts_to_one_message() -> None:
    body, cut = outbound.edit_payload(Text() + ("word " * 1000), ())
    assert cut and len(body["content"]) <= 2000 and body["components"] == []


def test_timeout_until() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    longest = now + timedelta(days=28) - outbound.TIMEOUT_MARGIN
    assert outbound.timeout_until(None, now) == (longest, False)
    assert outbound.timeout_until(now + timedelta(days=90), now) == (longest, True)
    assert outbound.timeout_until(now + timedelta(hours=2), now) == (
        now + timedelta(hours=2),
        False,
    )


def test_toast_is_escaped_and_short() -> None:
    assert outbound.toast("@everyone *won*") == "@\u200beveryone \\*won\\*"
    assert len(outbound.toast("x" * 5000)) == 2000


def test_neutralize_is_a_same_length_safety_net() -> None:
    other = "2" * 18
    chunk = f"@everyone @here <@&{other}> <@{ALICE}> <@!{other}>"
    safe = outbound.neutralize(chunk, [ALICE])
    assert len(safe) == len(chunk), "a chunk that fitted must still fit"
    assert not MASS.search(safe)
    assert f"<@{ALICE}>" in safe
    assert f"<@&{other}>" not in safe and f"<@!{other}>" not in safe
    # A template ending in "@" followed by a name is one word once rendered.
    (chunk,) = outbound.render(compose("Hi @{name}", name="everyone"))
    assert chunk == "Hi @\u200beveryone"


markdown_text = st.lists(
    st.one_of(
        st.sampled_from(list("*_~|`[]()<>#-+.\\ \n")),
        st.sampled_from(["> ", ">>> ", "# ", "## ", "-# ", "- ", "1. ", "12. ", "[x](y)"]),
        st.text(max_size=3),
    ),
    max_size=20,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(markdown_text.filter(lambda text: "://" not in text and "@" not in text))
def test_escaped_text_shows_exactly_what_the_member_wrote(text: str) -> None:
    """No stray backslashes: Discord hides every escape the renderer adds."""
    assert FakeDiscord.shown(outbound.escape(text)) == text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(markdown_text, st.sampled_from(["https://x.y/a_b", "<", ">"]))))
def test_escaping_a_word_at_a_time_is_escaping_the_whole(parts: list[str]) -> None:
    """Long texts are rendered a word at a time when split into messages: line-start markup
    must be caught the same way whatever the word was next to."""
    text = "".join(parts)
    words = re.findall(r"\s+|\S+", text)
    assert "".join(outbound.escape(word) for word in words) == outbound.escape(text)


@pytest.mark.parametrize(
    ("typed", "escaped"),
    [
        ("> quote", "\\> quote"),
        (">>> all of it", "\\>\\>\\> all of it"),
        ("## Big", "\\#\\# Big"),
        ("-# small", "\\-# small"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("10. item", "10\\. item"),
        ("[x](https://e.example)", "\\[x\\](https://e.example)"),
        ("<#123456789012345678> <t:1700000000:R>", "\\<#123456789012345678> \\<t:1700000000:R>"),
        ("C# 3.14 -5 a-b #1 >:)", "C# 3.14 -5 a-b #1 >:)"),
    ],
)
def test_line_start_markup_masked_links_and_angle_forms_are_escaped(
    typed: str, escaped: str
) -> None:
    assert outbound.escape(typed) == escaped


def test_a_members_link_stays_clickable_and_inert() -> None:
    typed = "see https://en.wikipedia.org/wiki/Foo_(bar)_*x*. or [y](https://e.example)"
    assert outbound.escape(typed) == (
        "see https://en.wikipedia.org/wiki/Foo%5F(bar)%5F%2Ax%2A. or \\[y\\](https://e.example)"
    )


def test_bot_links_stay_links() -> None:
    text = compose(
        "Read {rules}, {name}", rules=link("the rules", "https://x.example/r"), name="[y](z)"
    )
    (chunk,) = outbound.render(text)
    assert chunk == "Read [the rules](https://x.example/r), \\[y\\](z)"


def test_a_file_carries_the_escaped_caption_and_a_long_caption_goes_first() -> None:
    caption = compose("{who} exported {q}", who=mention("123456789012345678", "Mo"), q="@everyone")
    before, body = outbound.file_payloads(caption, "poll-1.csv")
    assert before == []
    assert body["attachments"] == [{"id": 0, "filename": "poll-1.csv"}]
    assert body["allowed_mentions"] == {
        "parse": [],
        "replied_user": False,
        "users": ["123456789012345678"],
    }
    assert FakeDiscord.pings(body["content"], body["allowed_mentions"])["everyone"] is False
    before, body = outbound.file_payloads(Text((Span("word " * 500),)), "a.csv")
    assert len(before) == 1 and len(before[0]["content"]) <= 2000 and body["content"]
    assert outbound.file_payloads(Text(), "a.csv")[1]["content"] == ""
