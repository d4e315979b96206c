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


class AnalyticsActiveRow(Base):
    """``person`` wrote in the scope that day: one row per person, however many
    messages and accounts (DAU, WAU, MAU and retention are counts of these)."""

    __tablename__ = "analytics_active"
    __table_args__ = (Index("ix_analytics_active_person", "scope", "person", "day"),)

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    person: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class AnalyticsNewcomerRow(Base):
    """The first day ``person`` joined the scope (a later join again keeps the first)."""

    __tablename__ = "analytics_newcomers"
    __table_args__ = (Index("ix_analytics_newcomers_day", "scope", "day"),)

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    person: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    day: Mapped[int]


class AnalyticsCaseRow(Base):
    """A case's three moments, from the escalation facts (never its content)."""

    __tablename__ = "analytics_cases"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    opened_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
