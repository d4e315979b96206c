"""The table behind send slots shared by several processes (:mod:`storage.ratelimit`)."""

from __future__ import annotations

from sqlalchemy import Double, String
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base


class RateSlotRow(Base):
    """One paced limit (a bot, a chat): the theoretical time its next message may go.

    Seconds since the epoch on the database's clock, so processes on hosts whose clocks
    disagree still share one schedule; rows idle for a while are deleted (no window is
    longer than a minute)."""

    __tablename__ = "rate_slots"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_at: Mapped[float] = mapped_column(Double)
