"""What the analytics feature needs from storage, and the rows it reads back.

Writes are deferred: the handlers add to per-transaction counters and the store writes
them at :meth:`AnalyticsStore.flush` (the feature's ``before_commit``), one multi-row
upsert per table for the whole batch transaction, so an ordinary message costs no
statement of its own. (A ``/stats`` in the same batch as messages reads the figures
without that batch's, which commit with it.)
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
    "signals",
    "checkins",
    "feedback_filed",
    "feedback_shipped",
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
    "signals",
    "checkins",
    "feedback_filed",
    "feedback_shipped",
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
    signals: int = 0
    checkins: int = 0
    feedback_filed: int = 0
    """Ideas filed with the feedback feature (its ``FeedbackFiled`` facts)."""
    feedback_shipped: int = 0
    """Ideas moved to done, each counted once: on the day it was first marked done."""


@dataclass(frozen=True, slots=True)
class Cohort:
    """The people who first joined on ``day``: how many, and how many of them wrote in
    their first week after the first (days 7-13 after joining) and their fourth (28-34)."""

    day: int
    joined: int
    week1: int = 0
    week4: int = 0
    wrote: int = 0
    """How many of them wrote at all since joining (activation, first step)."""
    replied: int = 0
    """How many of them got a reply from someone (activation, second step)."""


@dataclass(frozen=True, slots=True)
class CaseTimes:
    opened_at: datetime
    claimed_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class QuestionTimes:
    """A question asked in the chat and its first answer (None: none yet)."""

    asked_at: datetime
    answered_at: datetime | None = None
    by_bot: bool = False


@dataclass(frozen=True, slots=True)
class Contributor:
    """A person and how many (thanks received, questions answered first) in a period;
    ``name`` as the directory knows them (empty when it does not)."""

    person: int
    count: int
    name: str = ""


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
    questions: tuple[QuestionTimes, ...] = ()
    """Questions asked in the chat in the period."""
    thanked: tuple[tuple[int, int], ...] = ()
    """(person, thanks received in the period), most first."""
    answerers: tuple[tuple[str, str, int], ...] = ()
    """(platform, user id, questions they answered first in the period), most first."""


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

    def asked(self, scope: str, message: str, asker: str, at: datetime) -> None:
        """A question was asked in ``message`` (written at :meth:`flush`)."""
        ...

    def replied(
        self, message: str, at: datetime, replier: str, platform: str, user_id: str
    ) -> None:
        """A reply to ``message`` by the account ``replier`` (a digest): the question's
        first answer if it is one and nobody answered it yet (at :meth:`flush`)."""
        ...

    def got_reply(self, scope: str, day: int, person: int) -> None:
        """Someone replied to ``person`` on ``day`` (a newcomer's activation)."""
        ...

    def thanked(self, scope: str, day: int, person: int) -> None: ...

    async def bot_answered(self, scope: str, asker: str, at: datetime) -> None:
        """The bot answered the asker's latest unanswered question (an automatic FAQ
        answer), if they asked one in the last hour."""
        ...

    async def flush(self) -> None:
        """Write what this transaction deferred: one statement per table."""
        ...

    async def prune(self, scope: str, before: int) -> None:
        """Forget everything of ``scope`` before the day ``before``."""
        ...

    async def case_opened(self, scope: str, case_id: int, at: datetime) -> None: ...

    async def shipped(self, scope: str, idea_id: int, day: int) -> bool:
        """Remember that idea ``idea_id`` was marked done in ``scope`` on ``day``: True
        the first time, False when it was already (done, reopened, done again)."""
        ...

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
        the distinct people, the cohorts' sizes, the questions), not WAU, MAU,
        retention, cases or top contributors."""
        ...
