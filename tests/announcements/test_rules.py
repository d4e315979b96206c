"""When a recurring announcement next falls, in the community's time zone: Rome's clock
time is kept across daylight-saving changes, a skipped time is posted when the clock
reaches it, a repeated one once, months without the day get their last day, and missed
occurrences are not caught up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from townsquare.core.announcements.rules import Every, next_occurrence, parse_every

ROME = ZoneInfo("Europe/Rome")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def chain(first: datetime, every: Every, count: int) -> list[datetime]:
    found, after = [], first
    for _ in range(count):
        after = next_occurrence(first, every, ROME, after)
        found.append(after)
    return found


def test_every_day_at_nine_in_rome_moves_in_utc_when_summer_time_starts() -> None:
    first = utc(2027, 3, 26, 8, 0)  # 09:00 in Rome (UTC+1)
    assert chain(first, Every.DAILY, 3) == [
        utc(2027, 3, 27, 8, 0),
        utc(2027, 3, 28, 7, 0),  # summer time since 02:00: 09:00 is UTC+2
        utc(2027, 3, 29, 7, 0),
    ]
    assert all(moment.astimezone(ROME).hour == 9 for moment in chain(first, Every.DAILY, 10))


def test_a_time_the_spring_change_skips_is_posted_when_the_clock_reaches_it() -> None:
    first = utc(2027, 3, 27, 1, 30)  # 02:30 in Rome
    skipped, after = chain(first, Every.DAILY, 2)
    assert skipped == utc(2027, 3, 28, 1, 30)  # no 02:30 that night: 03:30 summer time
    assert skipped.astimezone(ROME).strftime("%H:%M") == "03:30"
    assert after == utc(2027, 3, 29, 0, 30)  # 02:30 summer time


def test_a_time_the_autumn_change_repeats_is_posted_once() -> None:
    first = utc(2027, 10, 30, 0, 30)  # 02:30 summer time
    repeated, after = chain(first, Every.DAILY, 2)
    assert repeated == utc(2027, 10, 31, 0, 30)  # its first reading, 02:30 UTC+2
    assert after == utc(2027, 11, 1, 1, 30)  # 02:30 winter time
    # Late in the second reading of 02:xx (the bot was busy): not again that night.
    assert next_occurrence(first, Every.DAILY, ROME, utc(2027, 10, 31, 1, 40)) == after


def test_weekly_keeps_the_weekday_and_the_clock_across_the_autumn_change() -> None:
    first = utc(2027, 10, 22, 16, 30)  # Friday 18:30 summer time
    assert chain(first, Every.WEEKLY, 2) == [utc(2027, 10, 29, 16, 30), utc(2027, 11, 5, 17, 30)]


def test_the_31st_falls_on_the_last_day_of_shorter_months() -> None:
    first = utc(2028, 1, 31, 9, 0)
    days = [moment.astimezone(ROME).date().isoformat() for moment in chain(first, Every.MONTHLY, 4)]
    assert days == ["2028-02-29", "2028-03-31", "2028-04-30", "2028-05-31"]
    fifteenth = chain(utc(2027, 1, 15, 9, 0), Every.MONTHLY, 2)
    assert [moment.day for moment in fifteenth] == [15, 15]


def test_missed_occurrences_are_not_caught_up() -> None:
    first = utc(2027, 5, 3, 7, 0)
    down_until = first + timedelta(days=3, hours=5)
    assert next_occurrence(first, Every.DAILY, ROME, down_until) == utc(2027, 5, 7, 7, 0)


def test_every_reads_the_three_words_and_their_short_forms() -> None:
    assert [parse_every(w) for w in ("daily", "Weekly", " monthly ", "week")] == [
        Every.DAILY,
        Every.WEEKLY,
        Every.MONTHLY,
        Every.WEEKLY,
    ]
    assert parse_every("hourly") is None and parse_every("") is None


@settings(max_examples=200, deadline=None)
@given(
    first=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2032, 12, 31), timezones=st.just(UTC)
    ),
    every=st.sampled_from(list(Every)),
    hops=st.integers(min_value=1, max_value=40),
)
def test_occurrences_rise_keep_the_wall_clock_and_are_spaced_as_asked(
    first: datetime, every: Every, hops: int
) -> None:
    local = first.astimezone(ROME)
    seen = chain(first, every, hops)
    assert seen == sorted(set(seen)) and seen[0] > first
    previous = first
    for moment in seen:
        gap = moment - previous
        if every is Every.DAILY:
            assert timedelta(hours=22) <= gap <= timedelta(hours=26)
        elif every is Every.WEEKLY:
            assert timedelta(days=7, hours=-2) <= gap <= timedelta(days=7, hours=2)
        else:
            assert timedelta(days=27) <= gap <= timedelta(days=32)
        shown = moment.astimezone(ROME)
        wanted = datetime.combine(shown.date(), local.time().replace(second=0, microsecond=0))
        read = wanted.replace(tzinfo=ROME).astimezone(UTC).astimezone(ROME)
        if (read.hour, read.minute) == (wanted.hour, wanted.minute):
            assert (shown.hour, shown.minute, shown.second) == (wanted.hour, wanted.minute, 0)
            assert shown.fold == 0  # a repeated time: its first reading
        else:  # a spring change skipped that clock time that day
            assert shown == read
        previous = moment
