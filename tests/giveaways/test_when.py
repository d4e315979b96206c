"""Times as managers write them (:mod:`core.when`), read in the community's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from townsquare.core.when import known_zone, parse_duration, parse_when, zone

NOW = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)  # a Wednesday; 11:00 in Rome
ROME = zone("Europe/Rome")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2h", datetime(2026, 12, 9, 12, 0, tzinfo=UTC)),
        ("in 2h", datetime(2026, 12, 9, 12, 0, tzinfo=UTC)),
        ("in 1h30m", datetime(2026, 12, 9, 11, 30, tzinfo=UTC)),
        ("1d", datetime(2026, 12, 10, 10, 0, tzinfo=UTC)),
        ("2026-12-10 19:00", datetime(2026, 12, 10, 18, 0, tzinfo=UTC)),
        ("tomorrow 19:00", datetime(2026, 12, 10, 18, 0, tzinfo=UTC)),
        ("today 19:00", datetime(2026, 12, 9, 18, 0, tzinfo=UTC)),
        ("fri 18:30", datetime(2026, 12, 11, 17, 30, tzinfo=UTC)),
        ("Friday 18:30", datetime(2026, 12, 11, 17, 30, tzinfo=UTC)),
        ("wed 12:00", datetime(2026, 12, 9, 11, 0, tzinfo=UTC)),  # later today
        ("wed 09:00", datetime(2026, 12, 16, 8, 0, tzinfo=UTC)),  # passed: next week
        ("19:00", datetime(2026, 12, 9, 18, 0, tzinfo=UTC)),
        ("09:00", datetime(2026, 12, 10, 8, 0, tzinfo=UTC)),  # passed: tomorrow
        ("2026-12-24", datetime(2026, 12, 23, 23, 0, tzinfo=UTC)),  # midnight in Rome
    ],
)
def test_times_are_read_in_the_communitys_zone(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW, ROME) == expected


def test_utc_is_the_default_and_summer_time_counts() -> None:
    assert parse_when("tomorrow 19:00", NOW) == datetime(2026, 12, 10, 19, 0, tzinfo=UTC)
    july = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert parse_when("tomorrow 19:00", july, ROME) == datetime(2026, 7, 2, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    ["", "in", "soon", "2026-02-30 10:00", "tomorrow 25:00", "fri 18:30 extra", "0m", "2x"],
)
def test_what_names_no_time_is_none(text: str) -> None:
    assert parse_when(text, NOW, ROME) is None


def test_durations_and_zones() -> None:
    assert parse_duration("1w2d") == timedelta(days=9)
    assert parse_duration("90") is None
    assert known_zone("Europe/Rome") and not known_zone("Mars/Olympus")
    assert zone("Mars/Olympus") is UTC and zone(None) is UTC
