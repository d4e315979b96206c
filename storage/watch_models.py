"""Tables of the watch-words feature: the phrases each community or space watches, the
messages that mentioned them (an excerpt, never the whole text), counts per UTC hour,
and where each hour's digest was sent.

A *scope* is a community (``c:<platform>:<id>``) or a space (``s:<name>``); ``hour`` is
the UTC hour as hours since the epoch (:func:`core.watch.rules.hour_of`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base, Id


class WatchPhraseRow(Base):
    __tablename__ = "watch_phrases"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    scope: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(String(100))
    """As the manager wrote it (one line)."""
    key: Mapped[str] = mapped_column(String(255))
    """Its folded words (:func:`core.watch.matcher.phrase_key`): one phrase per key."""
    created_at: Mapped[datetime]


class WatchMentionRow(Base):
    """One message that mentioned one phrase; at most once per message and phrase."""

    __tablename__ = "watch_mentions"
    __table_args__ = (
        UniqueConstraint("scope", "phrase_id", "bot", "channel_id", "message_id"),
        Index("ix_watch_mentions_hour", "scope", "hour"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    scope: Mapped[str] = mapped_column(String(200))
    hour: Mapped[int]
    phrase_id: Mapped[int] = mapped_column(BigInteger)
    phrase: Mapped[str] = mapped_column(String(100))
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[str] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))
    message_id: Mapped[str] = mapped_column(String(128))
    author: Mapped[str] = mapped_column(String(64))
    excerpt: Mapped[str] = mapped_column(String(100))
    link: Mapped[str | None] = mapped_column(String(512))
    at: Mapped[datetime]


class WatchCountRow(Base):
    """How many messages mentioned a phrase in one hour; whether its spike was alerted."""

    __tablename__ = "watch_counts"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    phrase_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hour: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hits: Mapped[int]
    alerted: Mapped[bool]


class WatchDigestRow(Base):
    """An hour's digest message: where it went, and how many mentions it last showed."""

    __tablename__ = "watch_digests"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    hour: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    bot: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(128))
    shown: Mapped[int]
