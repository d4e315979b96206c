""" "Send as feedback": the Discord message menu and the Slack message shortcut send
``/feedback`` as a reply to the message, which files the message's text as an idea; the
Slack manifest and the Discord registration carry them only when ``/feedback`` is there."""

from __future__ import annotations

from typing import Any

from townsquare.adapters.discord import slash
from townsquare.adapters.slack.inbound import FEEDBACK_SHORTCUT, SlackMapper
from townsquare.core.commands import CommandSpec
from townsquare.core.feedback.specs import FEEDBACK, IDEA
from townsquare.core.refs import Actor

REPORT = CommandSpec("report", "Report a message")


def test_discord_registers_the_menu_with_feedback_only() -> None:
    with_it = slash.build([REPORT, FEEDBACK, IDEA])
    assert {"type": 3, "name": slash.FEEDBACK_MENU} in with_it.payload
    assert {"type": 3, "name": slash.REPORT_MENU} in with_it.payload
    assert slash.MESSAGE_MENUS[slash.FEEDBACK_MENU] == "feedback"
    without = slash.build([REPORT])
    assert {"type": 3, "name": slash.FEEDBACK_MENU} not in without.payload
    names = {c["name"] for c in with_it.payload if c["type"] == 1}
    assert {"feedback", "idea"} <= names
    feedback = next(c for c in with_it.payload if c["name"] == "feedback")
    subs = [o["name"] for o in feedback["options"]]
    assert subs[0] == "ask" and {"vote", "list", "status", "duplicate", "board"} <= set(subs)


def _users(user_id: str) -> Actor:
    return Actor(user_id, f"User {user_id}")


def test_the_slack_shortcut_is_feedback_as_a_reply() -> None:
    mapper = SlackMapper("sl", "U0BOT", team_id="T0A1")
    payload: dict[str, Any] = {
        "type": "message_action",
        "callback_id": FEEDBACK_SHORTCUT,
        "team": {"id": "T0A1"},
        "user": {"id": "U0ALICE"},
        "channel": {"id": "C0GENERAL"},
        "trigger_id": "t1",
        "response_url": "https://hooks.slack.test/r/1",
        "message": {"user": "U0BOB", "ts": "1700000000.000200", "text": "Export as CSV please"},
    }
    event = mapper.shortcut(payload, _users)
    assert event is not None
    assert event.name == "feedback" and event.argv == ()
    assert event.reply_to_text == "Export as CSV please"
    assert event.reply_to is not None and event.reply_to.message_id == "1700000000.000200"
    assert mapper.shortcut({**payload, "callback_id": "something_else"}, _users) is None
