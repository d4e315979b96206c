"""The metrics: pure functions over the rows a period reads (:class:`Window`).

Each definition here is the one the README's "Analytics" section states; the tests
compute the same figures independently from a scripted history.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from townsquare.core.analytics.store import CaseTimes, Cohort, Day, Window

WEEK_1 = range(7, 14)
"""Days after joining that are the first week after the first (week-1 retention)."""
WEEK_4 = range(28, 35)
"""Days after joining that are the fourth week after the first (week-4 retention)."""


@dataclass(frozen=True, slots=True)
class Summary:
    days: int
    messages: int
    replies: int
    reactions: int
    joins: int
    leaves: int
    active: int
    dau: float
    wau: int
    mau: int
    stickiness: float | None
    new_members: int
    week1: float | None
    week4: float | None
    questions: int
    answered: int
    answered_by_bot: int
    unanswered: int
    deflection: float | None
    cases_opened: int
    median_claim: timedelta | None
    median_resolve: timedelta | None

    @property
    def net(self) -> int:
        return self.joins - self.leaves


def total(days: Iterable[Day], name: str) -> int:
    return sum(int(getattr(day, name)) for day in days)


def share(part: int, whole: int) -> float | None:
    """``part / whole``, None when there is no whole to share."""
    return part / whole if whole else None


def retention(cohorts: Sequence[Cohort], week: range, today: int) -> float | None:
    """Of the newcomers whose ``week`` (:data:`WEEK_1` or :data:`WEEK_4`) has ended by
    ``today``, the share who wrote in it."""
    due = [c for c in cohorts if c.day + week[-1] < today]
    kept = sum(c.week1 if week == WEEK_1 else c.week4 for c in due)
    return share(kept, sum(c.joined for c in due))


def median(values: Sequence[timedelta]) -> timedelta | None:
    """The middle value (the mean of the two middle ones for an even count)."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def case_medians(cases: Sequence[CaseTimes]) -> tuple[timedelta | None, timedelta | None]:
    """Median time from opening to the first claim, and to resolution, of the cases that
    got there."""
    claims = [c.claimed_at - c.opened_at for c in cases if c.claimed_at is not None]
    resolved = [c.resolved_at - c.opened_at for c in cases if c.resolved_at is not None]
    return median(claims), median(resolved)


def summarize(window: Window, today: int) -> Summary:
    """The headline figures of a period (``today``: the day it is, for retention)."""
    length = window.last - window.first + 1
    days = window.days
    questions, answered = total(days, "questions"), total(days, "answered")
    claim, resolve = case_medians(window.cases)
    dau = total(days, "active") / length
    return Summary(
        days=length,
        messages=total(days, "messages"),
        replies=total(days, "replies"),
        reactions=total(days, "reactions"),
        joins=total(days, "joins"),
        leaves=total(days, "leaves"),
        active=window.active,
        dau=dau,
        wau=window.wau,
        mau=window.mau,
        stickiness=dau / window.mau if window.mau else None,
        new_members=sum(cohort.joined for cohort in window.cohorts),
        week1=retention(window.cohorts, WEEK_1, today),
        week4=retention(window.cohorts, WEEK_4, today),
        questions=questions,
        answered=answered,
        answered_by_bot=total(days, "answered_by_bot"),
        unanswered=max(questions - answered, 0),
        deflection=min(share(total(days, "helpful"), questions) or 0.0, 1.0) if questions else None,
        cases_opened=total(days, "cases_opened"),
        median_claim=claim,
        median_resolve=resolve,
    )


def change(now: float | None, before: float | None) -> float | None:
    """The relative change from ``before`` to ``now`` (None where it is not defined)."""
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before


def series(window: Window) -> list[Day]:
    """Every day of the period in order, a day with nothing counted as zeros."""
    by_day = {day.day: day for day in window.days}
    return [by_day.get(day, Day(day)) for day in range(window.first, window.last + 1)]
