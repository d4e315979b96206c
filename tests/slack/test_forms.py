"""Slack forms: the modal views.open gets for AskText, as the fake (Slack's checks) takes
it, and the view_submission that comes back as the press it answers."""

from __future__ import annotations

import json

from tests.fakes.slack import server as f
from townsquare.adapters.slack.inbound import SlackMapper
from townsquare.adapters.slack.outbound import form_view
from townsquare.core.actions import AskText
from townsquare.core.refs import Actor, ChannelRef


def ask(**changes: object) -> AskText:
    fields: dict[str, object] = {
        "bot": "sl",
        "interaction_id": "trigger.1",
        "title": "Resolve case #12",
        "label": "Resolution note",
        "data": "case:12:resolve",
        "fallback_text": "send /case 12 resolve <note>",
        "min_length": 3,
        "max_length": 500,
        "placeholder": "What was done",
        "submit": "Resolve",
        "channel": ChannelRef("C0MGR", "1700000000.000100"),
        "user_id": "U0OLGA",
    }
    fields.update(changes)
    return AskText(**fields)  # type: ignore[arg-type]


def users(user_id: str) -> Actor:
    return Actor(user_id, "Olga")


def test_the_modal_is_one_a_slack_would_open() -> None:
    view = form_view(ask())
    assert f.modal_problem(view) is None
    assert view["title"]["text"] == "Resolve case #12" and view["submit"]["text"] == "Resolve"
    assert json.loads(view["private_metadata"]) == {
        "d": "case:12:resolve",
        "c": "C0MGR",
        "t": "1700000000.000100",
    }
    (block,) = view["blocks"]
    assert block["optional"] is False and block["element"]["multiline"] is True
    assert block["element"]["placeholder"]["text"] == "What was done"


def test_titles_longer_than_slack_allows_are_shortened_and_submit_has_a_default() -> None:
    view = form_view(ask(title="Risolvi il caso numero #123456", submit="", placeholder=""))
    assert len(view["title"]["text"]) == 24 and view["title"]["text"].endswith("…")
    assert view["submit"]["text"] == "Submit"
    assert "placeholder" not in view["blocks"][0]["element"]
    assert f.modal_problem(view) is None


def test_a_submission_is_the_press_it_answers_with_the_text() -> None:
    view = {**form_view(ask()), "id": "V1", "hash": "1.1"}
    payload = f.view_submission(view, "U0OLGA", "spam link removed")
    pressed = SlackMapper("sl", f.BOT_USER, team_id=f.TEAM).form_submitted(payload, users)
    assert pressed is not None
    assert pressed.data == "case:12:resolve" and pressed.text == "spam link removed"
    assert pressed.channel == ChannelRef("C0MGR", "1700000000.000100")
    assert pressed.actor is not None and pressed.actor.user_id == "U0OLGA"
    assert pressed.interaction_id == pressed.event_id == payload["trigger_id"]
    assert pressed.community is not None and pressed.community.id == f.TEAM


def test_other_views_and_tampered_metadata_are_ignored() -> None:
    mapper = SlackMapper("sl", f.BOT_USER, team_id=f.TEAM)
    view = {**form_view(ask()), "id": "V1", "hash": "1.1"}
    other = f.view_submission({**view, "callback_id": "someone_else"}, "U0OLGA", "text")
    broken = f.view_submission({**view, "private_metadata": "{not json"}, "U0OLGA", "text")
    assert mapper.form_submitted(other, users) is None
    assert mapper.form_submitted(broken, users) is None
