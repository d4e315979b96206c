"""The tables behind send slots shared by several processes (:mod:`storage.ratelimit`)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Double, Integer, String
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base

TIMES = JSON().with_variant(ARRAY(Double()), "postgresql")
"""An array of seconds on PostgreSQL, the only database the tables are used on (SQLite has
one process per file and paces in memory; it gets the table, unused, in a type it has)."""


class RateSlotRow(Base):
    """One paced limit (a bot, a chat): the theoretical time its next message may go, and
    the slots of its last ``count`` messages.

    Seconds since the epoch on the database's clock, so processes on hosts whose clocks
    disagree still share one schedule; rows idle for a while are deleted (no window is
    longer than a minute)."""

    __tablename__ = "rate_slots"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_at: Mapped[float] = mapped_column(Double)
    last_at: Mapped[float] = mapped_column(Double, server_default="0")
    """When its latest message goes."""
    seq: Mapped[int] = mapped_column(BigInteger, server_default="0")
    """Slots handed out so far: slot ``n`` is at place ``n % count`` of ``recent``."""
    recent: Mapped[list[float] | None] = mapped_column(TIMES)


class RateAnswerRow(Base):
    """When the platform answered the message of a limit's slot ``seq`` (its place
    ``seq % count`` in the limit's window): it had arrived by then. Apart from
    :class:`RateSlotRow` so that writing it never waits for the bot's row."""

    __tablename__ = "rate_answers"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    place: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    answered_at: Mapped[float] = mapped_column(Double)
