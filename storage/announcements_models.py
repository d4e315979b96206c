"""Tables of the announcements feature: one row per announcement, with its schedule."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base, Id


class AnnouncementRow(Base):
    """An announcement; ``posted`` counts its occurrences posted, ``next_at`` is when the
    next one is due (NULL once nothing is left to post). Its posts are outbox messages
    under the keys ``announce:<id>:<occurrence>:<number>`` when they are pinned or
    published; its job has the key ``announce:<id>``."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[str | None] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))
    thread_id: Mapped[str | None] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    pin: Mapped[bool]
    space: Mapped[str | None] = mapped_column(String(128))
    every: Mapped[str | None] = mapped_column(String(16))
    zone: Mapped[str] = mapped_column(String(64))
    first_at: Mapped[datetime]
    next_at: Mapped[datetime | None]
    posted: Mapped[int]
    created_by: Mapped[str] = mapped_column(String(128))
    created_by_name: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
