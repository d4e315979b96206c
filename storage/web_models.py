"""Tables of the dashboard's logins: one-time login links, sessions and the grants that
say which communities a person manages on the web (see :mod:`core.dashboard`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base, Id


class WebLoginTokenRow(Base):
    """A ``/dashboard`` link: only the token's SHA-256 is stored; ``used_at`` makes it
    single-use, ``expires_at`` (10 minutes) short-lived; it belongs to one person."""

    __tablename__ = "web_login_tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(Id)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(256))
    locale: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class WebSessionRow(Base):
    """A browser's session: the cookie holds a secret whose SHA-256 is ``secret_hash``;
    ``csrf`` is the token every form of the session carries."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_person", "person_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(Id)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(256))
    locale: Mapped[str] = mapped_column(String(16))
    user_agent: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class WebGrantRow(Base):
    """An account seen managing a community (it sent ``/dashboard`` there as a manager):
    the web shows that community to the account's person while the grant is live."""

    __tablename__ = "web_grants"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    """The account's platform family (``telegram`` for ``telegram-ptb`` too)."""
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    community_platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    community_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    community_title: Mapped[str] = mapped_column(String(256))
    bot: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(256))
    role: Mapped[int]
    granted_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
