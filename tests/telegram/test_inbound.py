"""The shared Bot API mapping on updates the conformance list does not cover."""

from __future__ import annotations

from typing import Any

from adapters.telegram.inbound import BotIdentity, TelegramMapper, admin_change
from core.events import CommandIssued, Event, MemberLeft, MessageEdited, MessagePosted
from core.refs import PlatformRole
from tests.fakes.telegram import payloads as p


def mapped(update: dict[str, Any]) -> list[Event]:
    mapper = TelegramMapper("telegram", "tg", BotIdentity(777000111, "town_bot"))
    return mapper.map({"update_id": 9, **update}, {"1000": PlatformRole.OWNER})


def test_forum_topic_and_reply() -> None:
    update = p.message("see above", message_thread_id=55, is_topic_message=True)
    update["message"]["reply_to_message"] = p.message("the original", p.EVE, 9)["message"]
    (event,) = mapped(update)
    assert isinstance(event, MessagePosted)
    assert event.channel is not None and event.channel.thread_id == "55"
    assert event.reply_to is not None and event.reply_to.message_id == "9"
    assert event.reply_to_author is not None and event.reply_to_author.user_id == "1002"
    assert event.reply_to_text == "the original"


def test_edited_message_and_private_chat() -> None:
    update = p.message("fixed typo")
    update["edited_message"] = {**update.pop("message"), "edit_date": 1_700_000_000}
    (edited,) = mapped(update)
    assert isinstance(edited, MessageEdited) and edited.text == "fixed typo"
    private = p.message("hi bot")
    private["message"]["chat"] = {"id": 1001, "type": "private", "first_name": "Alice"}
    (direct,) = mapped(private)
    assert direct.community is None and direct.channel is not None and direct.channel.is_direct


def test_kick_and_service_leave_are_member_left() -> None:
    (kicked,) = mapped(p.chat_member(p.ALICE, "member", "kicked", by=p.ADMIN))
    assert isinstance(kicked, MemberLeft) and kicked.removed
    assert kicked.actor is not None and kicked.actor.platform_role is PlatformRole.OWNER
    service = p.message("")
    del service["message"]["text"]
    service["message"]["left_chat_member"] = p.ALICE
    (left,) = mapped(service)
    assert isinstance(left, MemberLeft) and not left.removed


def test_unclosed_quote_is_a_syntax_error_not_a_crash() -> None:
    (event,) = mapped(p.command('/poll "Lunch?'))
    assert isinstance(event, CommandIssued) and event.syntax_error and event.argv == ()
    assert event.arg_text == '"Lunch?'


def test_unknown_update_kinds_map_to_nothing() -> None:
    assert mapped({"business_connection": {"id": "x"}}) == []
    assert mapped({"message": {"chat": p.GROUP}}) == []  # malformed: no message_id


def test_admin_changes_are_noticed() -> None:
    promoted = p.chat_member(p.ALICE, "member", "administrator")
    promoted["chat_member"]["new_chat_member"] = p.administrator(p.ALICE)
    assert admin_change({"update_id": 1, **promoted}) == str(p.GROUP["id"])
    assert admin_change({"update_id": 2, **p.chat_member(p.ALICE, "left", "member")}) is None
