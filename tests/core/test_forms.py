"""Forms (AskText): the outbox round trip, the checks, and the visible fallback."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from tests.support import CHANNEL
from townsquare.core.actions import (
    AnswerButton,
    AskText,
    Button,
    SendMessage,
    action_from_payload,
    action_to_payload,
)
from townsquare.core.capabilities import Capability
from townsquare.core.degrade import degrade
from townsquare.core.text import as_text
from townsquare.storage.store import lane_of

EVERYTHING = frozenset(Capability)
HINT = "Resolving needs a note: send /case 3 resolve <note>"


def ask(**changes: object) -> AskText:
    fields: dict[str, object] = {
        "bot": "b",
        "interaction_id": "i-1",
        "title": "Resolve case #3",
        "label": "Resolution note",
        "data": "case:3:resolve",
        "fallback_text": HINT,
        "min_length": 3,
        "max_length": 500,
        "placeholder": "What was done?",
        "submit": "Resolve",
        "channel": CHANNEL,
        "user_id": "u1",
    }
    fields.update(changes)
    return AskText(**fields)  # type: ignore[arg-type]


def test_a_form_survives_the_outbox_round_trip() -> None:
    action = ask()
    payload = json.loads(json.dumps(action_to_payload(action)))
    assert payload["kind"] == "ask_text"
    assert action_from_payload(payload) == action
    assert lane_of(action) == "b:answers", "answered like a toast: no chat rate budget"


def test_buttons_that_may_open_a_form_say_so_in_the_outbox() -> None:
    message = SendMessage(
        bot="b",
        channel=CHANNEL,
        text=as_text("Case #3"),
        buttons=((Button("Resolve", "case:3:resolve", asks_text=True), Button("Claim", "c")),),
    )
    again = action_from_payload(json.loads(json.dumps(action_to_payload(message))))
    assert again == message
    assert isinstance(again, SendMessage)
    assert [button.asks_text for button in again.buttons[0]] == [True, False]


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "x" * 46},
        {"title": "  "},
        {"label": "y" * 46},
        {"data": ""},
        {"data": "é" * 33},
        {"min_length": 10, "max_length": 5},
        {"min_length": -1},
        {"max_length": 0, "min_length": 0},
        {"max_length": 3001},
        {"placeholder": "p" * 101},
    ],
)
def test_forms_the_platforms_would_refuse_are_refused_when_built(
    changes: dict[str, object],
) -> None:
    with pytest.raises((ValueError, ValidationError)):
        ask(**changes)


def test_without_forms_the_member_gets_the_hint_privately_as_today() -> None:
    (answer,) = degrade(ask(), EVERYTHING - {Capability.FORMS})
    assert answer == AnswerButton(
        bot="b", interaction_id="i-1", toast=HINT, alert=True, channel=CHANNEL, user_id="u1"
    )


def test_with_forms_the_form_goes_out_unchanged() -> None:
    action = ask()
    assert degrade(action, EVERYTHING) == [action]
