"""Button layouts: every poll the grammar accepts fits every platform, in reading order,
with Retract last; rows that already fit are left as the feature wrote them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import blocks as kit
from townsquare.adapters.discord import outbound as discord
from townsquare.adapters.slack import outbound as slack
from townsquare.adapters.telegram import outbound as telegram
from townsquare.core.actions import Button, ButtonRows
from townsquare.core.i18n import translator
from townsquare.core.layout import ButtonLimits, LayoutError, layout
from townsquare.core.polls import rules
from townsquare.core.polls.feature import buttons
from townsquare.core.polls.store import Poll
from townsquare.core.text import as_text

PLATFORMS = {"telegram": telegram.BUTTONS, "discord": discord.BUTTONS, "slack": slack.BUTTONS}


def poll(options: list[str], poll_id: int = 1) -> Poll:
    return Poll(
        id=poll_id,
        platform="test",
        bot="bot",
        community_id="c",
        channel_id="ch",
        thread_id=None,
        question="Which?",
        options=tuple(options),
        multi=False,
        anonymous=False,
        closes_at=None,
        closed_at=None,
        created_by="u",
    )


def data(rows: ButtonRows) -> list[list[str]]:
    return [[button.data.rsplit(":", 1)[1] for button in row] for row in rows]


def test_ten_short_options_fit_discords_five_rows_with_retract_alone_last() -> None:
    rows = layout(
        buttons(poll([f"Option {n}" for n in range(1, 11)]), translator("en")), discord.BUTTONS
    )
    assert data(rows) == [["0", "1", "2"], ["3", "4", "5"], ["6", "7"], ["8", "9"], ["r"]]


def test_a_small_poll_keeps_its_options_on_one_row_everywhere() -> None:
    for limits in PLATFORMS.values():
        rows = layout(buttons(poll(["Pizza", "Sushi"]), translator("en")), limits)
        assert data(rows) == [["0", "1"], ["r"]]


def test_long_labels_stand_one_a_row_where_the_platform_has_rows_to_spare() -> None:
    options = [f"{n} " + "x" * 98 for n in range(10)]
    rows = layout(buttons(poll(options), translator("en")), telegram.BUTTONS)
    assert data(rows) == [[str(n)] for n in range(10)] + [["r"]]
    assert rows[9][0].label == "10. 9 " + "x" * 98, "Telegram shows the whole option"
    squeezed = layout(buttons(poll(options), translator("en")), discord.BUTTONS)
    assert [len(row) for row in squeezed] == [3, 3, 2, 2, 1]
    assert all(len(b.label) == 80 and b.label.endswith("…") for b in squeezed[0])


def test_rows_that_fit_are_kept_as_written() -> None:
    card: ButtonRows = (
        (Button("Claim", "case:1:claim"), Button("Resolve", "case:1:resolve")),
        (Button("Warn", "case:1:warn"), Button("Mute", "case:1:mute")),
    )
    for limits in PLATFORMS.values():
        assert layout(card, limits) == card


def test_what_no_layout_can_fit_is_a_permanent_error() -> None:
    limits = ButtonLimits(rows=2, per_row=2, buttons=4, data_bytes=8, label=10, row_width=20)
    with pytest.raises(LayoutError, match="at most 4"):
        layout((tuple(Button("b", f"d{i}") for i in range(5)),), limits)
    with pytest.raises(LayoutError, match="1-8 bytes"):
        layout(((Button("b", "é" * 5),),), limits)
    assert layout((), limits) == ()


# -- every poll the grammar accepts, on every platform ----------------------------------

label_text = (
    st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
        min_size=1,
        max_size=rules.MAX_OPTION,
    )
    .map(str.strip)
    .filter(bool)
)
polls = st.builds(
    lambda options, poll_id: poll(options, poll_id),
    st.lists(label_text, min_size=rules.MIN_OPTIONS, max_size=rules.MAX_OPTIONS, unique=True),
    st.integers(min_value=1, max_value=10**12),
)


def _telegram_rows(rows: ButtonRows) -> list[list[dict[str, Any]]]:
    markup = telegram.keyboard(rows)
    assert markup is not None
    keyboard: list[list[dict[str, Any]]] = markup["inline_keyboard"]
    assert sum(len(row) for row in keyboard) <= 100 and all(1 <= len(r) <= 8 for r in keyboard)
    assert all(1 <= len(b["callback_data"].encode()) <= 64 for row in keyboard for b in row)
    return keyboard


def _discord_rows(rows: ButtonRows) -> list[list[dict[str, Any]]]:
    components = discord.components(rows)
    body = {"content": "poll", "components": components}
    assert FakeDiscord()._validate_message(body) is None, "the fake's Discord would accept it"
    return [row["components"] for row in components]


def _slack_rows(rows: ButtonRows) -> list[list[dict[str, Any]]]:
    ((text, blocks),) = slack.messages(as_text("📊 #1 Which?"), rows)
    kit.check({"text": text, "blocks": blocks})  # raises where Slack would refuse
    return [block["elements"] for block in blocks if block["type"] == "actions"]


RENDER: dict[str, tuple[Callable[[ButtonRows], list[list[dict[str, Any]]]], str]] = {
    "telegram": (_telegram_rows, "callback_data"),
    "discord": (_discord_rows, "custom_id"),
    "slack": (_slack_rows, "value"),
}


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
@settings(max_examples=150, deadline=None)
@given(found=polls, language=st.sampled_from(["en", "it", "ru"]))
def test_every_poll_the_grammar_accepts_renders_on_every_platform(
    platform: str, found: Poll, language: str
) -> None:
    limits = PLATFORMS[platform]
    wanted = buttons(found, translator(language))
    rows = layout(wanted, limits)

    assert 1 <= len(rows) <= limits.rows
    assert all(1 <= len(row) <= limits.per_row for row in rows)
    flat = [button for row in rows for button in row]
    assert [b.data for b in flat] == [b.data for group in wanted for b in group], "reading order"
    assert flat[-1].data == rules.VoteButton(found.id, rules.RETRACT).pack(), "Retract stays last"
    assert all(len(b.label) <= limits.label for b in flat)
    for button, original in zip(flat, [b for group in wanted for b in group], strict=True):
        if len(original.label) <= limits.label:
            assert button.label == original.label, "a label is cut only where it must be"
    render, field = RENDER[platform]
    native = render(wanted)
    assert [[b[field] for b in row] for row in native] == [
        [discord.custom_id(b) if platform == "discord" else b.data for b in row] for row in rows
    ]


any_limits = st.builds(
    ButtonLimits,
    rows=st.integers(1, 6),
    per_row=st.integers(1, 6),
    buttons=st.integers(1, 40),
    data_bytes=st.just(64),
    label=st.integers(1, 20),
    row_width=st.integers(1, 60),
)
any_rows = st.lists(
    st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=8), max_size=6
).map(
    lambda groups: tuple(
        tuple(Button(label, f"d{g}.{i}") for i, label in enumerate(group))
        for g, group in enumerate(groups)
    )
)


@settings(max_examples=300, deadline=None)
@given(rows=any_rows, limits=any_limits)
def test_any_rows_either_fit_in_order_or_are_refused(
    rows: ButtonRows, limits: ButtonLimits
) -> None:
    wanted = [button.data for row in rows for button in row]
    try:
        laid = layout(rows, limits)
    except LayoutError:
        assert len(wanted) > limits.capacity
        return
    assert len(laid) <= limits.rows and all(1 <= len(row) <= limits.per_row for row in laid)
    assert [button.data for row in laid for button in row] == wanted
    assert all(len(button.label) <= limits.label for row in laid for button in row)
    fits = len(rows) <= limits.rows and all(
        len(row) <= limits.per_row
        and len(row) * max(len(b.label) for b in row) <= limits.row_width
        and all(len(b.label) <= limits.label for b in row)
        for row in rows
    )
    if fits:
        assert laid == rows, "rows that fit are kept as written"
