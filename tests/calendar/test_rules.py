"""The RSVP rules and the recurrence, as pure functions: capacity is never exceeded by
an answer, the waitlist is served in the order people asked, and a weekly series keeps
its wall-clock time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from townsquare.core.calendar import rules
from townsquare.core.calendar.recurrence import Repeat, next_slot
from townsquare.core.calendar.rules import Choice, Outcome, Seat, Status

ROME = ZoneInfo("Europe/Rome")
VOTERS = [f"v{n}" for n in range(8)]


def test_a_full_event_waits_and_promotes_in_the_order_people_asked() -> None:
    seats: dict[str, Seat] = {}
    order = 1
    outcomes = []
    for voter in ("ann", "ben", "cat", "dan"):
        answer = rules.respond(seats, voter, Choice.GOING, 2, order)
        seats = rules.apply(seats, voter, answer)
        outcomes.append(answer.outcome)
        order += 1
    assert outcomes == [Outcome.GOING, Outcome.GOING, Outcome.WAITLISTED, Outcome.WAITLISTED]
    assert rules.waitlist(seats) == ["cat", "dan"]
    answer = rules.respond(seats, "ann", Choice.NO, 2, order)
    assert answer.promoted == ("cat",)
    seats = rules.apply(seats, "ann", answer)
    assert rules.going(seats) == 2 and rules.waitlist(seats) == ["dan"]
    assert rules.respond(seats, "dan", Choice.GOING, 2, order).outcome is Outcome.STILL_WAITING
    assert rules.respond(seats, "ben", Choice.GOING, 2, order).outcome is Outcome.UNCHANGED
    # One waiting gives up: nobody is promoted, the next one keeps their place.
    answer = rules.respond(seats, "dan", Choice.MAYBE, 2, order)
    assert answer.promoted == () and answer.outcome is Outcome.MAYBE
    # A raised capacity promotes those waiting, in order.
    assert rules.promotions({"x": Seat(Status.WAITING, 5), "y": Seat(Status.WAITING, 3)}, 1) == (
        "y",
    )


PRESSES = st.lists(st.tuples(st.sampled_from(VOTERS), st.sampled_from(list(Choice))), max_size=40)


@given(capacity=st.one_of(st.none(), st.integers(1, 4)), presses=PRESSES)
def test_capacity_holds_and_the_waitlist_is_first_come_first_served(
    capacity: int | None, presses: list[tuple[str, Choice]]
) -> None:
    seats: dict[str, Seat] = {}
    asked_at: dict[str, int] = {}  # when each last asked to go while neither going nor waiting
    for order, (voter, choice) in enumerate(presses, 1):
        before = seats.get(voter)
        answer = rules.respond(seats, voter, choice, capacity, order)
        seats = rules.apply(seats, voter, answer)
        holding = before is not None and before.status in (Status.GOING, Status.WAITING)
        if choice is Choice.GOING and not holding:
            asked_at[voter] = order
        if capacity is not None:
            assert rules.going(seats) <= capacity
            if rules.waitlist(seats):
                assert rules.going(seats) == capacity, "nobody waits while a seat is free"
        else:
            assert not rules.waitlist(seats)
        waiting = rules.waitlist(seats)
        assert waiting == sorted(waiting, key=asked_at.__getitem__), "served in asking order"
        for promoted in answer.promoted:
            assert seats[promoted].status is Status.GOING


def test_offsets() -> None:
    assert rules.parse_offsets("1d,1h") == (timedelta(days=1), timedelta(hours=1))
    assert rules.parse_offsets("1h, 1d, 1h") == (timedelta(days=1), timedelta(hours=1))
    assert rules.parse_offsets("off") == ()
    assert rules.parse_offsets("soon") is None
    assert rules.parse_offsets("31d") is None
    assert rules.parse_offsets("1m,2m,3m,4m,5m,6m") is None


def test_a_weekly_series_stays_at_its_local_time_across_both_changes() -> None:
    anchor = datetime(2026, 3, 21, 19, 0)  # Saturdays 19:00 in Rome
    slot = anchor.replace(tzinfo=ROME).astimezone(UTC)
    seen = []
    for _ in range(33):
        slot = next_slot(Repeat.WEEKLY, anchor, ROME, slot)
        seen.append(slot)
    assert seen[0] == datetime(2026, 3, 28, 18, 0, tzinfo=UTC)  # still winter time
    assert seen[1] == datetime(2026, 4, 4, 17, 0, tzinfo=UTC)  # summer time
    assert all(s.astimezone(ROME).hour == 19 and s.astimezone(ROME).weekday() == 5 for s in seen)
    assert seen[-1].astimezone(ROME).utcoffset() == timedelta(hours=1)  # winter again


def test_monthly_and_daily_series() -> None:
    anchor = datetime(2026, 1, 31, 10, 0)
    start = anchor.replace(tzinfo=UTC)
    assert next_slot(Repeat.MONTHLY, anchor, UTC, start) == datetime(2026, 3, 31, 10, tzinfo=UTC)
    assert next_slot(Repeat.DAILY, anchor, UTC, start) == datetime(2026, 2, 1, 10, tzinfo=UTC)
    # A daily series at 02:30 in Rome on the night the clocks skip it: 03:30 that day.
    night = datetime(2026, 3, 28, 2, 30)
    after = night.replace(tzinfo=ROME).astimezone(UTC)
    moved = next_slot(Repeat.DAILY, night, ROME, after)
    assert moved.astimezone(ROME).replace(tzinfo=None) == datetime(2026, 3, 29, 3, 30)
