"""The RSVP rules, as pure functions (property-tested).

One answer per member (or per person, for an event posted to a space): Going, Maybe or
Can't go. With a capacity, a Going answer past it joins the waitlist instead, in the
order people asked; whenever a seat frees (a Going member changes their answer, the
capacity is raised) the first ones waiting are promoted, in that order. Lowering the
capacity below the people already going takes nobody's seat away: newcomers wait until
enough seats free.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import ClassVar

from townsquare.core.buttons import Payload
from townsquare.core.when import parse_duration

MAX_TITLE, MAX_WHERE = 200, 300
"""A title fits a Discord scheduled event's name (100 is Discord's limit: the mirror
shortens it); a place fits its location (100 too)."""
MAX_CAPACITY = 100_000
MAX_REMINDERS = 5
MAX_OFFSET = timedelta(days=30)
DEFAULT_REMIND = (timedelta(days=1), timedelta(hours=1))
DEFAULT_DURATION = timedelta(hours=1)
MAX_DURATION = timedelta(days=14)


class Choice(StrEnum):
    """What a member answers."""

    GOING = "going"
    MAYBE = "maybe"
    NO = "no"


class Status(StrEnum):
    """Where an answer leaves them."""

    GOING = "going"
    WAITING = "waiting"
    MAYBE = "maybe"
    NO = "no"


class Outcome(StrEnum):
    GOING = "going"
    WAITLISTED = "waitlisted"
    MAYBE = "maybe"
    NO = "no"
    UNCHANGED = "unchanged"
    STILL_WAITING = "still_waiting"


@dataclass(frozen=True, slots=True)
class Seat:
    """A member's answer; ``order`` is when they last asked to go (the waitlist's order)."""

    status: Status
    order: int


@dataclass(frozen=True, slots=True)
class Answer:
    status: Status
    outcome: Outcome
    promoted: tuple[str, ...]
    """Voters moved from the waitlist to Going by this answer, in order."""
    order: int


def going(seats: Mapping[str, Seat]) -> int:
    return sum(1 for seat in seats.values() if seat.status is Status.GOING)


def waitlist(seats: Mapping[str, Seat]) -> list[str]:
    """Who waits, first first (ties, which the store never makes, by voter)."""
    waiting = [
        (seat.order, voter) for voter, seat in seats.items() if seat.status is Status.WAITING
    ]
    return [voter for _order, voter in sorted(waiting)]


def promotions(seats: Mapping[str, Seat], capacity: int | None) -> tuple[str, ...]:
    """Who moves from the waitlist to Going while seats are free, in order."""
    queue = waitlist(seats)
    if capacity is None:
        return tuple(queue)
    free = max(0, capacity - going(seats))
    return tuple(queue[:free])


def respond(
    seats: Mapping[str, Seat],
    voter: str,
    choice: Choice,
    capacity: int | None,
    next_order: int,
) -> Answer:
    """``voter``'s answer ``choice`` given everyone's ``seats``; ``next_order`` is later
    than every order in ``seats`` (the place a new request to go takes)."""
    current = seats.get(voter)
    if choice is Choice.GOING:
        if current is not None and current.status is Status.GOING:
            return Answer(Status.GOING, Outcome.UNCHANGED, (), current.order)
        if current is not None and current.status is Status.WAITING:
            return Answer(Status.WAITING, Outcome.STILL_WAITING, (), current.order)
        full = capacity is not None and going(seats) >= capacity
        if full:
            return Answer(Status.WAITING, Outcome.WAITLISTED, (), next_order)
        return Answer(Status.GOING, Outcome.GOING, (), next_order)
    status = Status.MAYBE if choice is Choice.MAYBE else Status.NO
    outcome = Outcome.MAYBE if choice is Choice.MAYBE else Outcome.NO
    if current is not None and current.status is status:
        return Answer(status, Outcome.UNCHANGED, (), current.order)
    order = current.order if current is not None else next_order
    after = {**seats, voter: Seat(status, order)}
    return Answer(status, outcome, promotions(after, capacity), order)


def apply(seats: Mapping[str, Seat], voter: str, answer: Answer) -> dict[str, Seat]:
    """The seats once ``answer`` (and its promotions) took effect."""
    after = {**seats, voter: Seat(answer.status, answer.order)}
    for promoted in answer.promoted:
        after[promoted] = Seat(Status.GOING, after[promoted].order)
    return after


def parse_offsets(text: str) -> tuple[timedelta, ...] | None:
    """``1d,1h`` (or ``off``/``none``: no reminders) as the offsets before the start,
    largest first, each once; None when it is not that."""
    body = text.strip().lower()
    if body in ("off", "none", "no", "0"):
        return ()
    found: set[timedelta] = set()
    for part in body.split(","):
        offset = parse_duration(part.strip())
        if offset is None or offset > MAX_OFFSET:
            return None
        found.add(offset)
    if not found or len(found) > MAX_REMINDERS:
        return None
    return tuple(sorted(found, reverse=True))


@dataclass(frozen=True, slots=True)
class RsvpButton(Payload):
    """Going / Maybe / Can't go on an event: ``ev:<id>:going`` (never user text)."""

    prefix: ClassVar[str] = "ev"
    event_id: int
    choice: Choice


@dataclass(frozen=True, slots=True)
class RemindersOff(Payload):
    """ "No more reminders" on a reminder: ``evq:<id>``."""

    prefix: ClassVar[str] = "evq"
    event_id: int


@dataclass(frozen=True, slots=True)
class CheckIn(Payload):
    """ "I'm here" on an event's check-in post: ``evc:<id>``."""

    prefix: ClassVar[str] = "evc"
    event_id: int
