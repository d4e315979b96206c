"""The rewards rules as pure functions: curves, verdicts, thank-yous, role rewards, and the
property that no sequence of messages earns more than the cap per cooldown."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from townsquare.core.rewards import rules
from townsquare.core.rewards.rules import Curve, Earned, Economy, Message, Miss, Missed, RoleMode
from townsquare.core.rewards.thanks import is_thanks, mentioned

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


# -- curves -------------------------------------------------------------------------------


def test_the_mee6_curve_matches_mee6() -> None:
    # MEE6: 5·l² + 50·l + 100 to go from level l to l + 1.
    assert [rules.step(Curve.MEE6, level) for level in range(4)] == [100, 155, 220, 295]
    assert [rules.floor(Curve.MEE6, level) for level in range(5)] == [0, 100, 255, 475, 770]
    assert rules.level_of(Curve.MEE6, 99) == 0
    assert rules.level_of(Curve.MEE6, 100) == 1
    assert rules.level_of(Curve.MEE6, 254) == 1
    assert rules.level_of(Curve.MEE6, 255) == 2
    assert rules.floor(Curve.MEE6, 100) == 1_899_250  # MEE6's published total for level 100


def test_linear_and_flat_curves() -> None:
    assert [rules.floor(Curve.LINEAR, n, 100) for n in range(4)] == [0, 100, 300, 600]
    assert [rules.floor(Curve.FLAT, n, 500) for n in range(4)] == [0, 500, 1000, 1500]
    assert rules.level_of(Curve.FLAT, 1499, 500) == 2
    assert rules.level_of(Curve.LINEAR, 10**12, 1) > 1000  # no loop over levels
    assert rules.level_of(Curve.MEE6, -5) == 0


@given(st.sampled_from(list(Curve)), st.integers(0, 10**9), st.integers(1, 10_000))
def test_a_level_is_where_its_floor_is(curve: Curve, xp: int, step: int) -> None:
    level = rules.level_of(curve, xp, step)
    assert rules.floor(curve, level, step) <= xp < rules.floor(curve, level + 1, step)
    shown = rules.progress(curve, xp, step)
    assert shown.floor <= shown.xp < shown.next_at


@given(
    st.sampled_from(list(Curve)),
    st.integers(-10, 10**9),
    st.integers(1, 10_000),
    st.integers(-2, 5_000),
)
def test_a_level_tried_first_changes_no_level(curve: Curve, xp: int, step: int, near: int) -> None:
    """The level a grant tries first (the wallet's) is a shortcut, never a different
    answer, whether it is right, wrong, or no level at all."""
    assert rules.level_of(curve, xp, step, near=near) == rules.level_of(curve, xp, step)


# -- what a message earns --------------------------------------------------------------------


def verdict(text: str, *, at: datetime = T0, next_at: datetime | None = None, **extra: object):
    options: dict[str, object] = {
        "next_at": next_at,
        "multiplier": 1.0,
        "quiet": False,
        "seen_by": None,
        "roll": random.Random(1),
    }
    options.update(extra)
    return rules.judge(Message(text, at, "general"), Economy(), **options)  # type: ignore[arg-type]


def test_verdicts() -> None:
    earned = verdict("see you at the meetup tonight")
    assert isinstance(earned, Earned) and 15 <= earned.xp <= 25
    assert earned.next_at == T0 + timedelta(seconds=60)
    assert verdict("hello world", next_at=T0 + timedelta(seconds=1)) == Missed(Miss.COOLDOWN)
    assert verdict("hello world", quiet=True) == Missed(Miss.CHANNEL)
    assert verdict("hello world", multiplier=0.0) == Missed(Miss.CHANNEL)
    for short in (
        "ok",
        "lol",
        "👍👍👍",
        "+1",
        "aaaaaaaaaa",
        "lol lol lol lol",
        "https://x.y/zzzzzz",
    ):
        assert verdict(short) == Missed(Miss.TOO_SHORT), short
    assert verdict("hello world", seen_by=True) == Missed(Miss.REPEATED)
    assert verdict("hello world", seen_by=False) == Missed(Miss.COPIED)
    quoted = rules.judge(
        Message("The venue CHANGED!", T0, "general", quoted="the venue changed"),
        Economy(),
        next_at=None,
        multiplier=1.0,
        quiet=False,
        seen_by=None,
        roll=random.Random(1),
    )
    assert quoted == Missed(Miss.COPIED)
    doubled = verdict("hello world", multiplier=2.0)
    assert isinstance(doubled, Earned) and 30 <= doubled.xp <= 50


def test_normalised_text_ignores_case_accents_mentions_and_links() -> None:
    same = {
        rules.digest(rules.normalise(text))
        for text in (
            "Perché no?",
            "perche NO",
            "  perché   no!!! <@123> https://example.org/x",
            "@bob perché, no",
        )
    }
    assert len(same) == 1
    assert rules.normalise("Спасибо, Ёжик") == "спасибо ежик"


def test_commands() -> None:
    assert rules.is_command("/rank") and rules.is_command("!rank")
    assert not rules.is_command("/ not a command") and not rules.is_command("hi /rank")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 200),  # seconds since the previous message
            st.sampled_from(["hello there", "ok", "good morning all", "see you", "hello there"]),
            st.sampled_from([0.5, 1.0, 2.0, 3.0]),  # the channel's multiplier
        ),
        max_size=60,
    ),
    st.integers(0, 100),
    st.integers(0, 100),
    st.integers(0, 300),
    st.integers(0, 2**32),
)
def test_no_sequence_of_messages_earns_more_than_the_cap_per_cooldown(
    messages: list[tuple[int, str, float]], low: int, high: int, cooldown: int, seed: int
) -> None:
    economy = Economy(xp_min=low, xp_max=high, cooldown=timedelta(seconds=cooldown))
    roll = random.Random(seed)
    at, next_at = T0, None
    grants: list[tuple[datetime, int]] = []
    for gap, text, multiplier in messages:
        at += timedelta(seconds=gap)
        result = rules.judge(
            Message(text, at, "general"),
            economy,
            next_at=next_at,
            multiplier=multiplier,
            quiet=False,
            seen_by=None,
            roll=roll,
        )
        if isinstance(result, Earned):
            assert result.xp <= rules.cap(economy, multiplier)
            next_at = result.next_at
            grants.append((at, result.xp))
    biggest = rules.cap(economy, 3.0)
    for index, (start, _xp) in enumerate(grants):
        window = [xp for when, xp in grants[index:] if when < start + economy.cooldown]
        assert sum(window) <= biggest or cooldown == 0


# -- thank-yous --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "thanks!",
        "Thank you so much",
        "thx",
        "ty",
        "tysm for the help",
        "many thanks, that worked",
        "Grazie!",
        "grazie mille",
        "ti ringrazio",
        "спасибо",
        "Спасибо большое!",
        "спс",
        "благодарю",
        "спасибки)",
        "that fixed it, thanks a lot",
    ],
)
def test_thank_yous(text: str) -> None:
    assert is_thanks(text)


@pytest.mark.parametrize(
    "text",
    [
        "no thanks",
        "No, thank you.",
        "no grazie",
        "нет, спасибо",
        "thanksgiving dinner at mine",
        "typing is hard",
        "I gave a talk about " + "things " * 30 + "and then said thanks to the organisers",
        "",
    ],
)
def test_not_thank_yous(text: str) -> None:
    assert not is_thanks(text)


def test_mentions() -> None:
    assert mentioned("thanks <@123> and <@!456> and <@U7|bob> @carol @Carol") == (
        ["123", "456", "U7"],
        ["carol"],
    )
    assert mentioned("mail me at a@b.org") == ([], [])


# -- role rewards and periods ---------------------------------------------------------------


def test_role_rewards_stack_or_replace() -> None:
    table = {5: "r5", 10: "r10", 20: "r20"}
    assert rules.roles_at(12, table, RoleMode.STACK) == {"r5", "r10"}
    assert rules.roles_at(12, table, RoleMode.REPLACE) == {"r10"}
    assert rules.roles_at(4, table, RoleMode.STACK) == frozenset()
    assert rules.role_changes(None, 12, table, RoleMode.STACK) == ({"r5", "r10"}, frozenset())
    assert rules.role_changes(None, 12, table, RoleMode.REPLACE) == ({"r10"}, {"r5"})
    assert rules.role_changes(None, 0, table, RoleMode.REPLACE) == (frozenset(), frozenset())
    assert rules.role_changes(9, 21, table, RoleMode.REPLACE) == ({"r20"}, {"r5"})
    assert rules.role_changes(21, 6, table, RoleMode.STACK) == (frozenset(), {"r10", "r20"})


def test_period_counters_follow_the_calendar() -> None:
    tuesday = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # ISO week 49
    week = rules.Periods().add(30, tuesday).add(20, tuesday + timedelta(days=5))
    assert week == rules.Periods(202649, 50, 0, 202612, 50)
    monday = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert week.at(monday) == rules.Periods(202650, 0, 50, 202612, 50)
    assert week.add(5, monday) == rules.Periods(202650, 5, 50, 202612, 55)
    assert week.at(monday + timedelta(days=7)) == rules.Periods(202651, 0, 0, 202612, 50)
    assert week.at(datetime(2027, 1, 1, tzinfo=UTC)).month_xp == 0
    assert week.add(-500, tuesday) == rules.Periods(202649, 0, 0, 202612, 0)
    joined = week.joined(rules.Periods().add(7, monday), monday)
    assert joined == rules.Periods(202650, 7, 50, 202612, 57)


def test_weekly_post_times_and_durations() -> None:
    tuesday = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert rules.next_weekly(tuesday) == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    monday_early = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert rules.next_weekly(monday_early) == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert rules.next_weekly(datetime(2026, 12, 7, 10, 0, tzinfo=UTC)) == datetime(
        2026, 12, 14, 10, 0, tzinfo=UTC
    )
    assert [rules.parse_seconds(t) for t in ("90", "90s", "2m", "12h", "1d", "x", "5 w")] == [
        90,
        90,
        120,
        43200,
        86400,
        None,
        None,
    ]
    assert [rules.shown_seconds(s) for s in (90, 120, 43200, 0)] == ["90s", "2m", "12h", "0s"]
