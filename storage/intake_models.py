"""Tables of the intake side of the reliability spine: updates no adapter could map, and
the processes running each bot (so a deployment that would make Telegram processes fight
over one bot is refused at start)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base, Id


class RejectedUpdateRow(Base):
    """An update an adapter could not map (:class:`core.events.UpdateRejected`): kept with
    its native payload, so an operator can see what the platform sent and nothing is lost."""

    __tablename__ = "rejected_updates"
    __table_args__ = (Index("ix_rejected_updates_received", "received_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(255))
    update_kind: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[str | None] = mapped_column(Text)
    """The native payload as JSON text (ASCII-escaped: a lone surrogate survives)."""
    received_at: Mapped[datetime]


class BotProcessRow(Base):
    """One running process of one bot, refreshed while it runs (see storage.processes)."""

    __tablename__ = "bot_processes"

    bot: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128), primary_key=True)
    mode: Mapped[str] = mapped_column(String(32))
    """How the process receives the bot's updates: ``polling``, ``webhook``, ``gateway``..."""
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]
