"""What the analytics feature needs from storage, and the rows it reads back.

Writes are deferred: the handlers add to per-transaction counters and the store writes
them at :meth:`AnalyticsStore.flush` (the feature's ``finish``), one multi-row upsert per
table for the whole chunk, so an ordinary message costs no statement of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from townsquare.core.privacy import PersonalData

Counter = Literal[
    "joins",
    "leaves",
    "messages",
    "replies",
    "reactions",
    "questions",
    "answered",
    "answered_by_bot",
    "helpful",
    "cases_opened",
]
COUNTERS: tuple[Counter, ...] = (
    "joins",
    "leaves",
    "messages",
    "replies",
    "reactions",
    "questions",
    "answered",
    "answered_by_bot",
    "helpful",
    "cases_opened",
)


@dataclass(frozen=True, slots=True)
class Day:
    """One scope's counters on one UTC day (``day``: the date's ordinal); ``active`` is
    how many people wrote that day."""

    day: int
    active: int = 0
    joins: int = 0
    leaves: int = 0
    messages: int = 0
    replies: int = 0
    reactions: int = 0
    questions: int = 0
    answered: int = 0
    answered_by_bot: int = 0
    helpful: int = 0
    cases_opened: int = 0


@dataclass(frozen=True, slots=True)
class Cohort:
    """The people who first joined on ``day``: how many, and how many of them wrote in
    their first week after the first (days 7-13 after joining) and their fourth (28-34)."""

    day: int
    joined: int
    week1: int = 0
    week4: int = 0


@dataclass(frozen=True, slots=True)
class CaseTimes:
    opened_at: datetime
    claimed_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Window:
    """What a period reads: days ``first`` to ``last`` (ordinals, both included)."""

    first: int
    last: int
    days: tuple[Day, ...] = ()
    """Only days with something counted, in order."""
    active: int = 0
    """Distinct people who wrote in the period."""
    wau: int = 0
    """Distinct people who wrote in the period's last 7 days."""
    mau: int = 0
    """Distinct people who wrote in the period's last 30 days."""
    cohorts: tuple[Cohort, ...] = ()
    """One per day someone joined in the period, in order."""
    cases: tuple[CaseTimes, ...] = ()
    """Cases opened in the period."""


class AnalyticsStore(PersonalData, Protocol):
    def add(self, scope: str, day: int, counter: Counter, amount: int = 1) -> None:
        """Add to a counter (written at :meth:`flush`)."""
        ...

    def active(self, scope: str, day: int, person: int) -> None:
        """``person`` wrote in ``scope`` on ``day`` (once counts; written at :meth:`flush`)."""
        ...

    def joined(self, scope: str, day: int, person: int) -> None:
        """``person`` joined ``scope`` on ``day`` (the first join stays; at :meth:`flush`)."""
        ...

    async def flush(self) -> None:
        """Write what this transaction deferred: one statement per table."""
        ...

    async def prune(self, scope: str, before: int) -> None:
        """Forget everything of ``scope`` before the day ``before``."""
        ...

    async def case_opened(self, scope: str, case_id: int, at: datetime) -> None: ...

    async def case_moved(
        self,
        case_id: int,
        *,
        claimed_at: datetime | None = None,
        resolved_at: datetime | None = None,
    ) -> None:
        """Set the case's claim or resolution time, if not set yet (the first one counts)."""
        ...

    async def window(self, scope: str, first: int, last: int, *, brief: bool = False) -> Window:
        """The period's rows; ``brief``: only what a comparison needs (the day counters,
        the distinct people, the cohorts' sizes), not WAU, MAU, retention or cases."""
        ...
