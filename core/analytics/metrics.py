"""The metrics: pure functions over the rows a period reads (:class:`Window`).

Each definition here is the one the README's "Analytics" section states; the tests
compute the same figures independently from a scripted history.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from townsquare.core.analytics.store import (
    CaseTimes,
    Cohort,
    Contributor,
    Day,
    QuestionTimes,
    Window,
)

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
    activated: float | None = None
    """Of the new members, the share who wrote since joining."""
    replied: float | None = None
    """Of the new members, the share someone replied to."""
    asked: int = 0
    """Questions asked in the chat (and with ``/faq``) in the period."""
    by_people: int = 0
    by_bot: int = 0
    first_answer_median: timedelta | None = None
    first_answer_p90: timedelta | None = None
    never_answered: float | None = None
    signals: int = 0
    signals_weekly: tuple[int, ...] = ()
    checkins: int = 0
    feedback_filed: int = 0
    """Ideas filed with the feedback feature in the period."""
    feedback_shipped: int = 0
    """Ideas first marked done in the period (whenever they were filed)."""
    top_thanked: tuple[Contributor, ...] = ()
    top_answerers: tuple[Contributor, ...] = ()

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


def percentile(values: Sequence[timedelta], share: float) -> timedelta | None:
    """The nearest-rank percentile: the smallest value with at least ``share`` of the
    values at or below it (the 9th of 10 for p90)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)), 1) - 1]


def first_answers(
    questions: Sequence[QuestionTimes],
) -> tuple[int, int, timedelta | None, timedelta | None, float | None]:
    """(answered by people, by the bot, median and p90 time to the first answer, share
    never answered) of the questions asked in a period."""
    waits = [
        max(q.answered_at - q.asked_at, timedelta(0))
        for q in questions
        if q.answered_at is not None
    ]
    by_bot = sum(1 for q in questions if q.answered_at is not None and q.by_bot)
    never = share(sum(1 for q in questions if q.answered_at is None), len(questions))
    return len(waits) - by_bot, by_bot, median(waits), percentile(waits, 0.9), never


def weekly(days: Sequence[Day], first: int, last: int, name: str) -> tuple[int, ...]:
    """A counter per 7-day week of days ``first``..``last``, oldest first; the first week
    is shorter when the period is not a whole number of weeks."""
    sums: dict[int, int] = {}
    for day in days:
        if first <= day.day <= last:
            week = (last - day.day) // 7
            sums[week] = sums.get(week, 0) + int(getattr(day, name))
    weeks = (last - first) // 7 + 1
    return tuple(sums.get(week, 0) for week in reversed(range(weeks)))


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
    new_members = sum(cohort.joined for cohort in window.cohorts)
    people, bot, wait, wait90, never = first_answers(window.questions)
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
        new_members=new_members,
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
        activated=share(sum(c.wrote for c in window.cohorts), new_members),
        replied=share(sum(c.replied for c in window.cohorts), new_members),
        asked=len(window.questions),
        by_people=people,
        by_bot=bot,
        first_answer_median=wait,
        first_answer_p90=wait90,
        never_answered=never,
        signals=total(days, "signals"),
        signals_weekly=weekly(days, window.first, window.last, "signals"),
        checkins=total(days, "checkins"),
        feedback_filed=total(days, "feedback_filed"),
        feedback_shipped=total(days, "feedback_shipped"),
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
