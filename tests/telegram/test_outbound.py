"""Rendering and the Bot API plan, without a server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fakes.telegram.server import _check_text, _visible
from townsquare.adapters.telegram.outbound import (
    ApiCall,
    Upload,
    command_menu,
    keyboard,
    migrated,
    plan,
    render_chunks,
    render_span,
)
from townsquare.core.actions import (
    AnswerButton,
    Button,
    RestrictMember,
    SendEphemeral,
    SendFile,
    SendMessage,
)
from townsquare.core.commands import CommandSpec
from townsquare.core.errors import NotSupported, PermanentDeliveryError
from townsquare.core.i18n import translator
from townsquare.core.refs import ChannelRef, CommunityRef, MessageRef
from townsquare.core.roles import Role
from townsquare.core.text import Span, Style, Text, as_text, bold, code, italic, link, mention

GROUP = ChannelRef("-100123")


def test_every_style_escapes_its_text() -> None:
    hostile = "<b>&amp;</b>"
    escaped = "&lt;b&gt;&amp;amp;&lt;/b&gt;"
    assert render_span(Span(hostile)) == escaped
    assert render_span(bold(hostile)) == f"<b>{escaped}</b>"
    assert render_span(italic(hostile)) == f"<i>{escaped}</i>"
    assert render_span(code(hostile)) == f"<code>{escaped}</code>"
    assert render_span(link(hostile, 'https://x.test/?a=1&b="2"')) == (
        f'<a href="https://x.test/?a=1&amp;b=&quot;2&quot;">{escaped}</a>'
    )
    assert render_span(mention("42", hostile)) == f'<a href="tg://user?id=42">{escaped}</a>'


def test_a_mention_without_a_numeric_id_stays_text() -> None:
    assert render_span(mention('1" onclick="x', "Eve")) == "Eve"
    assert render_span(Span("x", Style.LINK)) == "x"  # a link without a target


@given(st.lists(st.tuples(st.sampled_from(list(Style)), st.text(max_size=40)), max_size=8))
def test_any_text_renders_to_html_telegram_accepts(parts: list[tuple[Style, str]]) -> None:
    at = datetime(2026, 11, 23, 12, 15, tzinfo=UTC)
    spans = tuple(
        Span(
            value,
            style,
            url="https://x.test" if style is Style.LINK else None,
            user_id="7",
            at=at if style in (Style.TIME, Style.DATE) else None,
        )
        for style, value in parts
    )
    for chunk in render_chunks(Text(spans)):
        if chunk.strip():
            assert _check_text({"text": chunk, "parse_mode": "HTML"}) is None, chunk


def test_a_moment_is_shown_in_each_readers_time_zone_with_the_utc_text_as_fallback() -> None:
    at = datetime(2026, 11, 23, 12, 15, tzinfo=UTC)
    deadline = translator("it").moment(at)
    rendered = render_span(deadline)
    assert rendered == (
        f'<tg-time unix="{int(at.timestamp())}" format="wDt">23 nov 2026, 12:15 UTC</tg-time>'
    )
    assert _check_text({"text": f"chiude {rendered}", "parse_mode": "HTML"}) is None
    assert _visible(rendered) == "23 nov 2026, 12:15 UTC"
    day = render_span(translator("en").moment(at, with_time=False))
    assert day == f'<tg-time unix="{int(at.timestamp())}" format="wD">Nov 23, 2026</tg-time>'
    hostile = Span("<b>", Style.TIME, at=at)
    assert render_span(hostile).endswith(">&lt;b&gt;</tg-time>")


@pytest.mark.parametrize(
    "markup",
    [
        '<tg-time unix="soon" format="wDt">x</tg-time>',
        '<tg-time unix="1" format="tD">x</tg-time>',
        '<tg-time format="d">x</tg-time>',
    ],
)
def test_the_fake_refuses_a_date_time_entity_telegram_would_refuse(markup: str) -> None:
    assert "can't parse entities" in (_check_text({"text": markup, "parse_mode": "HTML"}) or "")


def test_long_text_is_split_into_accepted_chunks_on_line_boundaries() -> None:
    line = "<tag> & more " * 20
    text = as_text("\n".join([line.strip()] * 100))
    chunks = render_chunks(text)
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(chunk) <= 4096 and _check_text({"text": chunk, "parse_mode": "HTML"}) is None
    assert "\n".join(_visible(chunk) for chunk in chunks) == text.plain()


def test_a_long_message_carries_its_buttons_on_the_last_part_and_replies_with_the_first() -> None:
    action = SendMessage(
        bot="tg",
        channel=ChannelRef("-100123", thread_id="9"),
        text=as_text("word " * 2000),
        buttons=((Button("Yes", "p:1:0"),),),
        reply_to=MessageRef(GROUP, "5"),
        silent=True,
    )
    calls = plan(action)
    assert len(calls) == 3 and all(call.sends_message for call in calls)
    assert [("reply_parameters" in c.params, "reply_markup" in c.params) for c in calls] == [
        (True, False),
        (False, False),
        (False, True),
    ]
    assert all(c.params["message_thread_id"] == 9 for c in calls)
    assert all(c.params["disable_notification"] is True for c in calls)


@pytest.mark.parametrize("data", ["", "x" * 65, "é" * 33])
def test_callback_data_must_fit_64_bytes(data: str) -> None:
    with pytest.raises(PermanentDeliveryError):
        keyboard(((Button("A", data),),))


def test_callback_data_of_64_bytes_fits() -> None:
    assert keyboard(((Button("A", "é" * 32),),)) == {
        "inline_keyboard": [[{"text": "A", "callback_data": "é" * 32}]]
    }


def test_toast_is_cut_to_telegrams_limit_and_empty_means_none() -> None:
    (call,) = plan(AnswerButton(bot="tg", interaction_id="q", toast="x" * 300, alert=True))
    assert call.params == {"callback_query_id": "q", "show_alert": True, "text": "x" * 200}
    (silent,) = plan(AnswerButton(bot="tg", interaction_id="q"))
    assert "text" not in silent.params


def test_a_mute_without_end_has_no_until_date() -> None:
    community = CommunityRef("telegram", "-100123")
    (forever,) = plan(RestrictMember(bot="tg", community=community, user_id="7"))
    assert "until_date" not in forever.params
    until = datetime(2031, 5, 1, tzinfo=UTC)
    (timed,) = plan(RestrictMember(bot="tg", community=community, user_id="7", until=until))
    assert timed.params["until_date"] == int(until.timestamp())


def test_ephemeral_messages_are_not_a_telegram_thing() -> None:
    """The core degrades them to direct messages before they reach the adapter."""
    with pytest.raises(NotSupported):
        plan(
            SendEphemeral(
                bot="tg", channel=GROUP, user_id="7", display_name="Eve", text=as_text("x")
            )
        )


def test_command_menu_by_role() -> None:
    specs = [
        CommandSpec("help", "What I can do"),
        CommandSpec("poll", "Start a poll", role=Role.MANAGER),
        CommandSpec("Bad-Name", "not showable"),
        CommandSpec("rules", ""),
    ]
    assert command_menu(specs, Role.MEMBER) == [
        {"command": "help", "description": "What I can do"},
        {"command": "rules", "description": "rules"},
    ]
    assert [c["command"] for c in command_menu(specs, Role.OWNER)] == ["help", "poll", "rules"]


def test_migrated_call_keeps_everything_but_the_chat() -> None:
    call = ApiCall("sendMessage", {"chat_id": "-5", "text": "x"}, sends_message=True)
    moved = migrated(call, -1005)
    assert moved == ApiCall("sendMessage", {"chat_id": -1005, "text": "x"}, sends_message=True)


def test_a_file_is_one_document_upload_and_a_long_caption_goes_before_it() -> None:
    topic = ChannelRef("-100123", thread_id="7")
    short = SendFile(
        bot="b", filename="a.csv", data=b"x,y\r\n", mime_type="text/csv",
        caption=as_text("<a>"), channel=topic,
    )  # fmt: skip
    (call,) = plan(short)
    assert call == ApiCall(
        "sendDocument",
        {
            "chat_id": "-100123",
            "message_thread_id": 7,
            "caption": "&lt;a&gt;",
            "parse_mode": "HTML",
        },
        sends_message=True,
        upload=Upload("document", "a.csv", b"x,y\r\n", "text/csv"),
    )
    long = SendFile(bot="b", filename="a.csv", data=b"x", caption=as_text("w " * 600), user_id="42")
    message, document = plan(long)
    assert (message.method, message.params["chat_id"]) == ("sendMessage", "42")
    assert document.method == "sendDocument" and "caption" not in document.params
