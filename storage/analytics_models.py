"""Tables of the analytics feature: counters per scope and UTC day, and the few rows
that must name a person (who was active on a day, who joined when) or a case.

No message text is stored. A *scope* is a community (``c:<platform>:<id>``) or a space
(``s:<name>``); ``day`` is the UTC date's ordinal (:meth:`datetime.date.toordinal`), an
integer both databases compare and index alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base


class AnalyticsDayRow(Base):
    """One scope's counters for one UTC day, added to by each chunk's one upsert."""

    __tablename__ = "analytics_days"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    active: Mapped[int] = mapped_column(default=0, server_default="0")
    """People who wrote that day: added to as each one's first row of the day is written."""
    joins: Mapped[int] = mapped_column(default=0)
    leaves: Mapped[int] = mapped_column(default=0)
    messages: Mapped[int] = mapped_column(default=0)
    replies: Mapped[int] = mapped_column(default=0)
    reactions: Mapped[int] = mapped_column(default=0)
    questions: Mapped[int] = mapped_column(default=0)
    answered: Mapped[int] = mapped_column(default=0)
    answered_by_bot: Mapped[int] = mapped_column(default=0)
    helpful: Mapped[int] = mapped_column(default=0)
    cases_opened: Mapped[int] = mapped_column(default=0)
    signals: Mapped[int] = mapped_column(default=0, server_default="0")
    """Cases a detector opened (escalation's heat signals)."""
    checkins: Mapped[int] = mapped_column(default=0, server_default="0")
    """Members checked in at an event."""
    feedback_filed: Mapped[int] = mapped_column(default=0, server_default="0")
    """Ideas filed (the feedback feature's facts)."""
    feedback_shipped: Mapped[int] = mapped_column(default=0, server_default="0")
    """Ideas marked done for the first time (:class:`AnalyticsShippedRow`)."""


class AnalyticsActiveRow(Base):
    """``person`` wrote in the scope that day: one row per person, however many
    messages and accounts (DAU, WAU, MAU and retention are counts of these).

    ``prev`` is the person's previous day with a row (0: none); the gap between the two
    is counted in :class:`AnalyticsGapRow`."""

    __tablename__ = "analytics_active"
    __table_args__ = (Index("ix_analytics_active_person", "scope", "person", "day"),)

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    person: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    prev: Mapped[int] = mapped_column(default=0, server_default="0")


MAX_GAP = 91
"""Gaps longer than 90 days (and a first day ever) are counted as this one."""


class AnalyticsGapRow(Base):
    """How many of the people who wrote in the scope on ``day`` had last written ``gap``
    days before (:data:`MAX_GAP`: more than 90 days before, or never).

    The people who wrote in days ``a..b`` are those of each day ``d`` whose gap reaches
    back before ``a``: the sum of ``people`` over ``gap > d - a``. A 90-day period reads
    at most 90 x 91 of these rows, however many people wrote: this is the rollup that
    keeps ``/stats 90d`` fast on a long, busy history (no ``COUNT(DISTINCT)``)."""

    __tablename__ = "analytics_gaps"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    gap: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    people: Mapped[int]


class AnalyticsNewcomerRow(Base):
    """The first day ``person`` joined the scope (a later join again keeps the first)."""

    __tablename__ = "analytics_newcomers"
    __table_args__ = (Index("ix_analytics_newcomers_day", "scope", "day"),)

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    person: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[int]
    replied: Mapped[int | None]
    """The first day, on or after joining, someone replied to one of their messages."""


class AnalyticsCaseRow(Base):
    """A case's three moments, from the escalation facts (never its content)."""

    __tablename__ = "analytics_cases"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    opened_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]


class AnalyticsShippedRow(Base):
    """An idea of the feedback feature first marked done in the scope on ``day`` (from
    its facts): an idea reopened and done again is not shipped twice."""

    __tablename__ = "analytics_shipped"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    idea_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[int]


class AnalyticsQuestionRow(Base):
    """A question asked in the chat (a member's short message with a question mark) and
    its first answer: the first reply to it by someone else, or the bot's FAQ answer.

    ``asker`` is a digest of the asking account (to tell their own replies from
    answers), ``answerer_*`` the account whose reply answered it first (top
    contributors); never the text."""

    __tablename__ = "analytics_questions"
    __table_args__ = (
        Index("ix_analytics_questions_asked", "scope", "asked_at"),
        Index("ix_analytics_questions_message", "message"),
    )

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    message: Mapped[str] = mapped_column(String(200), primary_key=True)
    asker: Mapped[str] = mapped_column(String(16))
    asked_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    by_bot: Mapped[bool] = mapped_column(default=False)
    answerer_platform: Mapped[str | None] = mapped_column(String(32))
    answerer_id: Mapped[str | None] = mapped_column(String(128))


class AnalyticsThanksRow(Base):
    """How many thanks (reputation, from the rewards facts) ``person`` got on ``day``."""

    __tablename__ = "analytics_thanks"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    person: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    thanks: Mapped[int]
