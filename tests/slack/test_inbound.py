"""Pure Slack payload -> core event mapping: text decoding, subtypes, commands, buttons."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.fakes.slack.server import BOT_USER, TEAM, slack_escape
from townsquare.adapters.slack.inbound import SlackMapper, plain_text
from townsquare.adapters.slack.interaction import Interaction, decode
from townsquare.adapters.slack.outbound import fallback_span
from townsquare.core.events import (
    BotRemoved,
    ButtonPressed,
    CommandIssued,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
)
from townsquare.core.refs import Actor, PlatformRole
from townsquare.core.text import Span

MAPPER = SlackMapper("sl", BOT_USER)


def users(user_id: str) -> Actor:
    return Actor(user_id=user_id, display_name=f"name of {user_id}", is_bot=user_id == "U0OTHERBOT")


def callback(event: dict[str, Any], event_id: str = "Ev1") -> dict[str, Any]:
    return {"type": "event_callback", "team_id": TEAM, "event_id": event_id, "event": event}


def message(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": "C0GENERAL",
        "user": "U0ALICE",
        "text": text,
        "ts": "1700000000.000200",
        "event_ts": "1700000000.000200",
        "channel_type": "channel",
        **extra,
    }


def test_message_text_is_what_the_member_typed() -> None:
    wire = (
        "Tom &amp; Jerry &lt;3 <@U0EVE> <@U0BOB|bob> in <#C0GENERAL|general> "
        "<!here> <!subteam^S1|@mods> see <https://x.example/a?b=1&amp;c=2|the docs> "
        "<https://y.example> <mailto:eve@example.org|Eve>"
    )
    (event,) = MAPPER.event(callback(message(wire)), users)
    assert isinstance(event, MessagePosted)
    assert event.text == (
        "Tom & Jerry <3 @U0EVE @bob in #general @here @mods see "
        "the docs (https://x.example/a?b=1&c=2) https://y.example Eve"
    )


@given(st.text())
def test_decoding_undoes_slacks_escaping(typed: str) -> None:
    assert plain_text(slack_escape(typed)) == typed


@given(st.text())
def test_decoding_undoes_our_own_rendering(typed: str) -> None:
    """What the bot writes, read back from Slack, is the text it meant (no &amp;amp;)."""
    assert plain_text(fallback_span(Span(typed))) == typed


def test_thread_replies_direct_messages_and_me_messages() -> None:
    (reply,) = MAPPER.event(callback(message("hi", thread_ts="1699999999.000100")), users)
    assert reply.channel is not None and reply.channel.thread_id == "1699999999.000100"
    (direct,) = MAPPER.event(callback(message("psst", channel_type="im")), users)
    assert direct.channel is not None and direct.channel.is_direct
    (me,) = MAPPER.event(callback(message("waves", subtype="me_message")), users)
    assert isinstance(me, MessagePosted) and me.text == "waves"


def test_bots_joins_and_topic_changes_are_not_member_messages() -> None:
    assert (
        MAPPER.event(callback(message("beep", bot_id="B0OTHER", subtype="bot_message")), users)
        == []
    )
    assert MAPPER.event(callback(message("mine", user=BOT_USER)), users) == []
    assert MAPPER.event(callback(message("joined", subtype="channel_join")), users) == []
    assert MAPPER.event(callback(message("topic", subtype="channel_topic")), users) == []


def test_edits_and_deletions() -> None:
    edited = message(
        "",
        subtype="message_changed",
        message={"type": "message", "user": "U0ALICE", "text": "fixed &amp; better", "ts": "5.5"},
    )
    (edit,) = MAPPER.event(callback(edited), users)
    assert isinstance(edit, MessageEdited) and edit.text == "fixed & better"
    assert edit.message.message_id == "5.5"
    deleted = message("", subtype="message_deleted", deleted_ts="5.5")
    (gone,) = MAPPER.event(callback(deleted), users)
    assert isinstance(gone, MessageDeleted) and gone.message.message_id == "5.5"


def test_membership_of_bots_and_of_the_bot_itself() -> None:
    join = {"type": "member_joined_channel", "channel": "C0GENERAL", "team": TEAM}
    (other_bot,) = MAPPER.event(callback({**join, "user": "U0OTHERBOT"}), users)
    assert isinstance(other_bot, MemberJoined) and other_bot.member.is_bot, (
        "bot accounts join like members; the core greets them only with /welcome bots on"
    )
    (invited,) = MAPPER.event(callback({**join, "user": "U0NEW", "inviter": "U0OLGA"}), users)
    assert isinstance(invited, MemberJoined) and invited.member.user_id == "U0NEW"
    assert invited.channel_only, "a channel of the workspace, not the workspace itself"
    gone = {**join, "type": "member_left_channel", "user": "U0NEW"}
    (left_channel,) = MAPPER.event(callback(gone), users)
    assert isinstance(left_channel, MemberLeft) and left_channel.channel_only
    team = {"type": "team_join", "user": {"id": "U0NEW", "name": "new", "profile": {}}}
    (joined_team,) = MAPPER.event(callback(team), users)
    assert isinstance(joined_team, MemberJoined) and not joined_team.channel_only
    assert invited.actor is not None and invited.actor.user_id == "U0OLGA"
    left = {"type": "member_left_channel", "channel": "C0GENERAL", "user": BOT_USER}
    (removed,) = MAPPER.event(callback(left), users)
    assert isinstance(removed, BotRemoved) and removed.community is not None
    assert removed.community.id == TEAM


def test_reactions_on_files_are_ignored() -> None:
    reaction = {
        "type": "reaction_added",
        "user": "U0ALICE",
        "reaction": "eyes",
        "item": {"type": "file", "file": "F1"},
    }
    assert MAPPER.event(callback(reaction), users) == []


def command(text: str) -> dict[str, Any]:
    return {
        "team_id": TEAM,
        "channel_id": "D0ALICE",
        "channel_name": "directmessage",
        "user_id": "U0ALICE",
        "command": "/Poll",
        "text": slack_escape(text),
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "response_url": "http://127.0.0.1:1/response",
    }


def test_slash_command_text_goes_through_the_shared_grammar() -> None:
    issued = MAPPER.command(command('“Tom & Jerry?” "<b>yes</b>" no --multi'), users)
    assert issued.name == "poll" and issued.syntax_error is None
    assert issued.argv == ("Tom & Jerry?", "<b>yes</b>", "no", "--multi")
    assert issued.arg_text == '“Tom & Jerry?” "<b>yes</b>" no --multi'
    assert issued.event_id == "13345224609.738474920.8088930838d88f008e0"
    assert decode(issued.interaction_id) == Interaction(
        issued.event_id, "http://127.0.0.1:1/response", decode(issued.interaction_id).issued_at
    ), "the response_url travels in the interaction id, for any process to answer"
    assert issued.channel is not None and issued.channel.is_direct


def test_an_unclosed_quote_is_a_syntax_error_not_a_crash() -> None:
    issued = MAPPER.command(command('"Lunch? Pizza'), users)
    assert isinstance(issued, CommandIssued)
    assert issued.argv == () and issued.syntax_error


def test_each_pressed_button_is_one_event_and_other_elements_are_ignored() -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": "U0ALICE"},
        "trigger_id": "trigger.1",
        "channel": {"id": "C0GENERAL"},
        "container": {"type": "message", "message_ts": "7.7"},
        "actions": [
            {"type": "button", "value": "poll:1:0", "action_ts": "8.8"},
            {"type": "static_select", "selected_option": {"value": "x"}},
        ],
    }
    (pressed,) = MAPPER.action(payload, users)
    assert isinstance(pressed, ButtonPressed) and pressed.data == "poll:1:0"
    assert pressed.message is not None and pressed.message.message_id == "7.7"
    assert pressed.event_id == "trigger.1:0" and pressed.interaction_id == "trigger.1"


def test_owner_and_admin_roles_come_from_users_info() -> None:
    from tests.fakes.slack.server import user
    from townsquare.adapters.slack.inbound import user_actor

    assert user_actor(user("U1", "Olga", owner=True)).platform_role is PlatformRole.OWNER
    assert user_actor(user("U2", "Adam", admin=True)).platform_role is PlatformRole.ADMIN
    assert user_actor(user("U3", "Mia")).platform_role is PlatformRole.MEMBER


# -- payloads real clients send, which the mapper used to reject with KeyError ----------


def test_an_edit_whose_ts_is_only_in_previous_message_is_still_an_edit() -> None:
    """bolt-python's recorded message_changed: ``message`` has no ``ts``."""
    edited = message(
        "",
        subtype="message_changed",
        message={"type": "message", "user": "U0ALICE", "text": "updated message"},
        previous_message={"type": "message", "user": "U0ALICE", "ts": "1665102338.901939"},
    )
    (edit,) = MAPPER.event(callback(edited), users)
    assert isinstance(edit, MessageEdited) and edit.message.message_id == "1665102338.901939"
    assert edit.text == "updated message"


def test_an_edit_in_a_thread_is_in_the_thread_of_the_message() -> None:
    """The envelope of a message_changed has no thread_ts: the message has it."""
    edited = message(
        "",
        subtype="message_changed",
        message={
            "type": "message",
            "user": "U0ALICE",
            "text": "fixed typo",
            "ts": "1700000005.000100",
            "thread_ts": "1700000001.000100",
        },
    )
    (edit,) = MAPPER.event(callback(edited), users)
    assert isinstance(edit, MessageEdited)
    assert edit.channel is not None and edit.channel.thread_id == "1700000001.000100"
    assert edit.message.channel.thread_id == "1700000001.000100"
    parent = message(
        "",
        subtype="message_changed",
        message={"user": "U0ALICE", "text": "q", "ts": "1.1", "thread_ts": "1.1"},
    )
    (own,) = MAPPER.event(callback(parent), users)
    assert own.channel is not None and own.channel.thread_id is None, (
        "a thread's first message is not inside its own thread: the same ref as when posted"
    )
    deleted = message(
        "",
        subtype="message_deleted",
        deleted_ts="1700000005.000100",
        previous_message={"ts": "1700000005.000100", "thread_ts": "1700000001.000100"},
    )
    (gone,) = MAPPER.event(callback(deleted), users)
    assert gone.channel is not None and gone.channel.thread_id == "1700000001.000100"


def test_a_bot_message_without_channel_is_ignored_not_an_error() -> None:
    """slack-go's recorded bot_message carries no channel."""
    bot = {
        "type": "message",
        "subtype": "bot_message",
        "ts": "1358877455.000010",
        "text": "Pushing is the answer",
        "bot_id": "BB12033",
        "username": "github",
        "icons": {},
    }
    assert MAPPER.event(callback(bot), users) == []


def test_a_payload_without_event_id_gets_a_stable_id() -> None:
    """opsdroid's recorded bot_message has no event_id; a redelivery is recognised."""
    body = callback(message("hi"))
    del body["event_id"]
    (first,) = MAPPER.event(body, users)
    (again,) = MAPPER.event(json.loads(json.dumps(body)), users)
    assert first.event_id == again.event_id and first.event_id.startswith("sha256:")
    (other,) = MAPPER.event({**body, "event": message("hello")}, users)
    assert other.event_id != first.event_id


def test_missing_optional_fields_are_tolerated() -> None:
    bare = {"type": "message", "channel": "C0GENERAL", "user": "U0ALICE", "ts": "1.5"}
    (posted,) = MAPPER.event({"type": "event_callback", "event": bare}, users)
    assert isinstance(posted, MessagePosted) and posted.text == ""
    assert posted.community is not None and posted.community.id == ""
    press = {"type": "block_actions", "user": {"id": "U0ALICE"}, "actions": [{"type": "button"}]}
    (pressed,) = MAPPER.action(press, users)
    assert isinstance(pressed, ButtonPressed)
    assert pressed.data == "" and pressed.message is None and pressed.event_id.startswith("sha")


def test_what_cannot_be_mapped_raises_and_becomes_update_rejected() -> None:
    body = callback({"type": "reaction_added", "reaction": "eyes", "item": {"type": "message"}})
    try:
        MAPPER.event(body, users)
    except (KeyError, ValueError) as error:
        rejected = MAPPER.rejected(body, repr(error))
    else:
        raise AssertionError("a reaction without its message cannot be an event")
    assert rejected.update_kind == "event_callback/reaction_added"
    assert rejected.event_id == "Ev1" and rejected.raw == body
    assert rejected.community is not None and rejected.community.id == TEAM
