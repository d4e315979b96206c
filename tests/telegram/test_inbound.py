"""The shared Bot API mapping on updates the conformance list does not cover."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.fakes.telegram import payloads as p
from townsquare.adapters.telegram.inbound import (
    BotIdentity,
    MembershipLog,
    TelegramMapper,
    admin_change,
    chat_of_update,
)
from townsquare.core.events import (
    BotRemoved,
    ButtonPressed,
    CommandIssued,
    Event,
    MemberJoined,
    MemberLeft,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    UpdateRejected,
)
from townsquare.core.refs import PlatformRole

ROLES = {"1000": PlatformRole.OWNER}


def mapper() -> TelegramMapper:
    return TelegramMapper("telegram", "tg", BotIdentity(777000111, "town_bot"))


def mapped(update: dict[str, Any], update_id: int = 9) -> list[Event]:
    return mapper().map({"update_id": update_id, **update}, ROLES)


def test_forum_topic_and_reply() -> None:
    update = p.message("see above", message_thread_id=55, is_topic_message=True)
    update["message"]["reply_to_message"] = p.message("the original", p.EVE, 9)["message"]
    (event,) = mapped(update)
    assert isinstance(event, MessagePosted)
    assert event.channel is not None and event.channel.thread_id == "55"
    assert event.reply_to is not None and event.reply_to.message_id == "9"
    assert event.reply_to_author is not None and event.reply_to_author.user_id == "1002"
    assert event.reply_to_text == "the original"


def test_the_implicit_reply_to_a_topic_is_not_a_reply() -> None:
    (event,) = mapped(p.topic_message("hello topic"))
    assert isinstance(event, MessagePosted) and event.reply_to is None
    assert event.message.channel.thread_id == "55"


def test_a_reply_command_carries_the_replied_message() -> None:
    update = p.command("/report spam")
    update["message"]["reply_to_message"] = p.message("buy now", p.EVE, 8)["message"]
    (event,) = mapped(update)
    assert isinstance(event, CommandIssued) and event.argv == ("spam",)
    assert event.reply_to is not None and event.reply_to.message_id == "8"
    assert (
        event.reply_to_author is not None
        and event.reply_to_author.display_name == (p.EVE["first_name"])
    )
    assert event.reply_to_text == "buy now"


def test_edited_message_and_private_chat() -> None:
    update = p.message("fixed typo")
    update["edited_message"] = {**update.pop("message"), "edit_date": 1_700_000_000}
    (edited,) = mapped(update)
    assert isinstance(edited, MessageEdited) and edited.text == "fixed typo"
    assert edited.occurred_at == datetime.fromtimestamp(1_700_000_000, UTC)
    (direct,) = mapped(p.private_message("hi bot"))
    assert direct.community is None and direct.channel is not None and direct.channel.is_direct
    assert direct.actor is not None and direct.actor.platform_role is PlatformRole.MEMBER


def test_a_caption_is_the_text_of_a_photo() -> None:
    update = p.message("")
    del update["message"]["text"]
    update["message"]["photo"] = [
        {"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 90}
    ]
    update["message"]["caption"] = "what is this error?"
    (event,) = mapped(update)
    assert isinstance(event, MessagePosted) and event.text == "what is this error?"


def test_kick_and_service_leave_are_member_left() -> None:
    (kicked,) = mapped(p.chat_member(p.ALICE, "member", "kicked", by=p.ADMIN))
    assert isinstance(kicked, MemberLeft) and kicked.removed
    assert kicked.actor is not None and kicked.actor.platform_role is PlatformRole.OWNER
    (left,) = mapped(p.leave_service_message(p.ALICE))
    assert isinstance(left, MemberLeft) and not left.removed
    (removed,) = mapped(p.leave_service_message(p.ALICE, by=p.ADMIN))
    assert isinstance(removed, MemberLeft) and removed.removed


def test_both_reports_of_one_change_are_one_event_with_one_id() -> None:
    """Service message and chat_member, in either order, even across a restart."""
    pairs = [
        (p.join_service_message(p.ALICE), p.chat_member(p.ALICE, "left", "member")),
        (p.chat_member(p.ALICE, "member", "left"), p.leave_service_message(p.ALICE)),
    ]
    for first, second in pairs:
        same_process = mapper()
        (event,) = same_process.map({"update_id": 1, **first})
        assert same_process.map({"update_id": 2, **second}) == []
        (after_restart,) = mapper().map({"update_id": 2, **second})
        assert after_restart.event_id == event.event_id, "the core's record drops it"
        assert type(after_restart) is type(event)


def test_membership_log_window_and_rejoins() -> None:
    now = [0.0]
    log = MembershipLog(window=120, clock=lambda: now[0])
    when = datetime(2030, 1, 1, 12, 0, 30, tzinfo=UTC)
    first = log.event_id("join", "-1", "7", when)
    assert first == "join:-1:7:31558320"
    assert log.event_id("join", "-1", "7", when) is None
    assert log.event_id("leave", "-1", "7", when) == "leave:-1:7:31558320"
    assert log.event_id("join", "-1", "7", when) == f"{first}:1", "a rejoin, same minute"
    now[0] = 500.0
    assert log.event_id("join", "-1", "7", datetime(2030, 1, 1, 12, 9, tzinfo=UTC)) is not None


def test_a_restricted_member_who_leaves_is_gone_and_who_returns_is_back() -> None:
    (left,) = mapped(p.EXTRA_UPDATES["restricted_left"])
    assert isinstance(left, MemberLeft)
    back = p.member_change(
        p.ALICE, p.restricted(p.ALICE, is_member=False), p.restricted(p.ALICE, is_member=True)
    )
    (joined,) = mapped(back)
    assert isinstance(joined, MemberJoined)
    muted = p.member_change(
        p.ALICE, p.member(p.ALICE, "member"), p.restricted(p.ALICE, is_member=True)
    )
    assert mapped(muted) == [], "a mute is not a membership change"


def test_the_bots_own_membership_is_bot_added_or_removed_only() -> None:
    bot = {"id": 777000111, "is_bot": True, "first_name": "Town Bot", "username": "town_bot"}
    assert mapped(p.join_service_message(bot)) == []
    assert mapped(p.leave_service_message(bot, by=p.ADMIN)) == []
    removed = p.bot_added()
    change = removed["my_chat_member"]
    change["old_chat_member"], change["new_chat_member"] = (
        change["new_chat_member"],
        {"status": "kicked", "user": change["new_chat_member"]["user"], "until_date": 0},
    )
    (event,) = mapped(removed)
    assert isinstance(event, BotRemoved)
    assert chat_of_update({"update_id": 1, **removed}) is None, "no admin lookup once removed"


def test_several_joiners_in_one_service_message() -> None:
    update = p.join_service_message(p.ALICE)
    update["message"]["new_chat_members"] = [p.ALICE, p.EVE]
    events = mapped(update)
    assert [e.member.user_id for e in events if isinstance(e, MemberJoined)] == ["1001", "1002"]
    assert len({e.event_id for e in events}) == 2


def test_anonymous_admin_and_channel_speakers() -> None:
    (admin,) = mapped(p.anonymous_admin_command("/settings"))
    assert admin.actor is not None and admin.actor.platform_role is PlatformRole.ADMIN
    assert mapped(p.automatic_forward("News")) == []
    as_channel = p.message("I speak as my channel", user=p.ANONYMOUS_ADMIN_BOT)
    as_channel["message"]["sender_chat"] = p.CHANNEL
    (event,) = mapped(as_channel)
    assert event.actor is not None and event.actor.platform_role is PlatformRole.MEMBER
    assert event.actor.user_id == str(p.CHANNEL["id"])


def test_a_button_in_a_topic_answers_in_the_topic() -> None:
    update = p.callback("poll:1:0")
    update["callback_query"]["message"] |= {"message_thread_id": 55, "is_topic_message": True}
    (event,) = mapped(update)
    assert isinstance(event, ButtonPressed) and event.interaction_id == "4382bfdwdsb323b2d9"
    assert event.channel is not None and event.channel.thread_id == "55"
    assert event.message is not None and event.message.message_id == "42"


def test_only_added_reactions_count() -> None:
    update = p.reaction("👍")
    update["message_reaction"]["old_reaction"] = [{"type": "emoji", "emoji": "👍"}]
    update["message_reaction"]["new_reaction"] = [
        {"type": "emoji", "emoji": "👍"},
        {"type": "emoji", "emoji": "🔥"},
        {"type": "custom_emoji", "custom_emoji_id": "5368324170671202286"},
    ]
    events = mapped(update)
    assert [e.emoji for e in events if isinstance(e, ReactionAdded)] == [
        "🔥",
        "5368324170671202286",
    ]
    assert len({e.event_id for e in events}) == 2


def test_unclosed_quote_is_a_syntax_error_not_a_crash() -> None:
    (event,) = mapped(p.command('/poll "Lunch?'))
    assert isinstance(event, CommandIssued) and event.syntax_error and event.argv == ()
    assert event.arg_text == '"Lunch?'


def test_commands_addressed_to_this_bot_or_another() -> None:
    (mine,) = mapped(p.command("/help@town_bot"))
    assert isinstance(mine, CommandIssued) and mine.name == "help"
    assert mapped(p.command("/help@other_bot")) == []
    (plain,) = mapped(p.message("/ not a command"))
    assert isinstance(plain, MessagePosted)


def test_unknown_kinds_map_to_nothing_and_malformed_updates_are_rejected() -> None:
    """Kinds the bot never asked for are ignored; a known kind it cannot read is kept as
    UpdateRejected (stored, so its payload is not lost), never an exception."""
    assert mapped({"business_connection": {"id": "x"}}) == []
    assert mapped({"message": {"chat": p.GROUP}}) == []  # nobody wrote it: nothing to do
    for update, kind in [
        ({"message": "not an object"}, "message"),
        ({"chat_member": {"chat": p.GROUP}}, "chat_member"),
        ({"message": {"chat": p.GROUP, "from": p.ALICE, "text": "hi"}}, "message"),  # no id
        ({"callback_query": {"id": "1"}}, "callback_query"),
    ]:
        (rejected,) = mapped(update)
        assert isinstance(rejected, UpdateRejected)
        assert (rejected.update_kind, rejected.event_id) == (kind, "9")
        assert rejected.raw == {"update_id": 9, **update} and rejected.reason
        assert rejected.community is None and rejected.actor is None


def test_a_rejection_without_update_id_has_a_stable_id() -> None:
    first = mapper().rejected({"message": "x"}, KeyError("update_id"))
    again = mapper().rejected({"message": "x"}, KeyError("update_id"))
    other = mapper().rejected({"message": "y"}, KeyError("update_id"))
    assert first.event_id == again.event_id != other.event_id
    assert first.event_id.startswith("sha256:")
    not_an_object = mapper().rejected([1, 2], TypeError("not an object"))
    assert not_an_object.raw == {"payload": [1, 2]} and not_an_object.update_kind == "unknown"


def test_a_membership_update_seen_again_keeps_its_id() -> None:
    """Delivered again because storing it failed: not the second report of its change."""
    same_process = mapper()
    join = {"update_id": 5, **p.join_service_message(p.ALICE)}
    (first,) = same_process.map(join)
    (retry,) = same_process.map(join)
    assert retry.event_id == first.event_id
    assert same_process.map({"update_id": 6, **p.chat_member(p.ALICE, "left", "member")}) == []


def test_admin_changes_are_noticed() -> None:
    assert admin_change({"update_id": 1, **p.EXTRA_UPDATES["promoted"]}) == str(p.GROUP["id"])
    assert admin_change({"update_id": 2, **p.chat_member(p.ALICE, "left", "member")}) is None
