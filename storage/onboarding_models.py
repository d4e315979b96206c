"""Tables of the onboarding feature: one row per member from join to leave (greeting and
rules-gate state) and per-community bookkeeping."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base


class OnboardingNewcomerRow(Base):
    """A member of a community as onboarding knows them; deleted when they leave."""

    __tablename__ = "onboarding_newcomers"
    __table_args__ = (
        Index(
            "ix_onboarding_newcomers_waiting_since",
            "platform",
            "community_id",
            "waiting",
            "joined_at",
        ),
        Index("ix_onboarding_newcomers_gate", "platform", "user_id", "gate"),
    )

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    community_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(256))
    bot: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(128))
    thread_id: Mapped[str | None] = mapped_column(String(128))
    joined_at: Mapped[datetime]
    waiting: Mapped[bool]
    """The greeting waits for the next combined message (a raid or a burst of joins)."""
    greeted_at: Mapped[datetime | None]
    gate: Mapped[str | None] = mapped_column(String(16))
    gate_due: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]


class OnboardingCommunityRow(Base):
    __tablename__ = "onboarding_communities"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    community_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    greetings: Mapped[int]
    last_greeting_bot: Mapped[str | None] = mapped_column(String(64))
    last_greeting_key: Mapped[str | None] = mapped_column(String(128))
    broken_template: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]
