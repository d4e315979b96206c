"""Tables of the FAQ feature.

``faq_state`` holds each community's revision (see :mod:`core.faq.index`); every entry row
carries the revision that last wrote it, and removed entries stay as rows (``removed``)
so other processes learn about the removal and votes keep their entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base, Id


class FaqEntryRow(Base):
    __tablename__ = "faq_entries"
    __table_args__ = (Index("ix_faq_entries_revision", "platform", "community_id", "revision"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    community_id: Mapped[str] = mapped_column(String(128))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    revision: Mapped[int]
    removed: Mapped[bool] = mapped_column(default=False)
    hits: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    author_id: Mapped[str | None] = mapped_column(String(128))
    """Who added the entry (its helpful ratings reward them); None before 0031."""
    author_platform: Mapped[str | None] = mapped_column(String(32))


class FaqStateRow(Base):
    """One row per community: the current revision, its token and recent tokens."""

    __tablename__ = "faq_state"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    community_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    revision: Mapped[int]
    token: Mapped[str] = mapped_column(String(32))
    history: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class FaqVoteRow(Base):
    """A member's "helpful / not helpful" on an entry; one per member and entry."""

    __tablename__ = "faq_votes"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("faq_entries.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    helpful: Mapped[bool]
    voted_at: Mapped[datetime]


class FaqCooldownRow(Base):
    """When an entry was last auto-answered in a channel (survives restarts)."""

    __tablename__ = "faq_cooldowns"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("faq_entries.id", ondelete="CASCADE"), primary_key=True
    )
    channel_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    answered_at: Mapped[datetime]


class FaqUnansweredRow(Base):
    """A question that matched nothing, counted per normalised form."""

    __tablename__ = "faq_unanswered"
    __table_args__ = (UniqueConstraint("platform", "community_id", "normalised"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    community_id: Mapped[str] = mapped_column(String(128))
    normalised: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(default=1)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
