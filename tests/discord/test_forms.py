"""Discord forms: the mark on buttons that may open a modal, the modal sent for AskText,
and reading a submitted modal in both of Discord's layouts."""

from __future__ import annotations

from townsquare.adapters.discord import inbound, outbound
from townsquare.core.actions import AskText, Button


def test_buttons_that_may_open_a_form_are_marked_and_read_back() -> None:
    rows = outbound.components(
        ((Button("Claim", "case:1:claim"), Button("Resolve", "case:1:resolve", asks_text=True)),)
    )
    claim, resolve = (b["custom_id"] for b in rows[0]["components"])
    assert claim == "case:1:claim"
    assert resolve == outbound.ASKS_TEXT_MARK + "case:1:resolve"
    assert outbound.pressed_data(claim) == ("case:1:claim", False)
    assert outbound.pressed_data(resolve) == ("case:1:resolve", True)
    longest = outbound.custom_id(Button("x", "é" * 32, asks_text=True))
    assert len(longest) <= outbound.MAX_CUSTOM_ID, "64 bytes of data and the mark fit"


async def test_the_modal_for_a_form() -> None:
    action = AskText(
        bot="dc",
        interaction_id="1",
        title="Resolve case #12",
        label="Resolution note",
        data="case:12:resolve",
        fallback_text="send /case 12 resolve <note>",
        min_length=3,
        max_length=500,
        placeholder="What was done",
    )
    modal = outbound.form_modal(action)
    assert modal.is_finished(), "not kept in discord.py's view store"
    payload = modal.to_dict()
    assert payload["custom_id"] == "case:12:resolve" and payload["title"] == "Resolve case #12"
    (label,) = payload["components"]
    assert label["type"] == 18 and label["label"] == "Resolution note"
    field = label["component"]
    assert field["type"] == 4 and field["style"] == 2 and field["custom_id"] == "text"
    assert (field["min_length"], field["max_length"]) == (3, 500) and field["required"]
    assert field["placeholder"] == "What was done"


def test_the_text_of_a_submitted_modal_in_either_layout() -> None:
    in_label = [
        {"type": 10, "id": 1, "content": "Read this first"},
        {
            "type": 18,
            "id": 2,
            "component": {"type": 4, "id": 3, "custom_id": "text", "value": "ok!"},
        },
    ]
    in_row = [{"type": 1, "components": [{"type": 4, "custom_id": "text", "value": "done"}]}]
    foreign = [{"type": 1, "components": [{"type": 4, "custom_id": "other", "value": "no"}]}]
    assert inbound._form_text(in_label) == "ok!"
    assert inbound._form_text(in_row) == "done"
    assert inbound._form_text(foreign) is None
    assert inbound._form_text(None) is None
