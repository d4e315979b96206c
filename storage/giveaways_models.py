"""Tables of the giveaways feature: an entry is a row, unique per giveaway and person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base, Id


class GiveawayRow(Base):
    __tablename__ = "giveaways"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[str | None] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))
    thread_id: Mapped[str | None] = mapped_column(String(128))
    prize: Mapped[str] = mapped_column(Text)
    winners: Mapped[int]
    min_days: Mapped[int | None]
    min_level: Mapped[int | None]
    space: Mapped[str | None] = mapped_column(String(128))
    ends_at: Mapped[datetime]
    seed: Mapped[str] = mapped_column(String(64))
    """Secret until ``drawn_at``: only the draw and ``/giveaway verify`` after it read it."""
    seed_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    drawn_at: Mapped[datetime | None]


class GiveawayPostRow(Base):
    """A space giveaway's post in another community of the space; its message is
    ``sent_messages`` under the key ``giveaway:<giveaway id>:<number>``."""

    __tablename__ = "giveaway_posts"

    giveaway_id: Mapped[int] = mapped_column(
        ForeignKey("giveaways.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[str] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))


class GiveawayEntryRow(Base):
    """``entrant`` is the draw's key (``p<person id>``); the account is who to name."""

    __tablename__ = "giveaway_entries"

    giveaway_id: Mapped[int] = mapped_column(
        ForeignKey("giveaways.id", ondelete="CASCADE"), primary_key=True
    )
    entrant: Mapped[str] = mapped_column(String(160), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(256))
    entered_at: Mapped[datetime]


class GiveawayRoundRow(Base):
    """One draw: round 1 at the deadline, then one per reroll."""

    __tablename__ = "giveaway_rounds"

    giveaway_id: Mapped[int] = mapped_column(
        ForeignKey("giveaways.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(primary_key=True)
    asked: Mapped[int]
    """How many winners were asked for."""
    winners: Mapped[dict[str, Any]] = mapped_column(JSON)
    """``{"keys": [entrant keys in the order drawn]}``"""
    drawn_by: Mapped[str | None] = mapped_column(String(128))
    drawn_at: Mapped[datetime]


class GiveawayLevelRow(Base):
    """A member's level as the level facts told it, per scope (``space:<name>`` or
    ``community:<platform>:<id>``) and person: read for ``--min-level``."""

    __tablename__ = "giveaway_levels"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    person_id: Mapped[int] = mapped_column(Id, primary_key=True)
    level: Mapped[int]
    updated_at: Mapped[datetime]
