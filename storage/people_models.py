"""Tables of linked accounts: persons, their platform accounts, link codes and the
wrong-code counters that cut guessing off."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base, Id


class PersonRow(Base):
    """A person; ``merged_into`` is set once a link joined it into another person, so
    data keyed by its id stays reachable (:meth:`core.persons.PersonDirectory.aliases`).
    Ids are never reused."""

    __tablename__ = "people_persons"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    merged_into: Mapped[int | None] = mapped_column(Id, index=True)
    created_at: Mapped[datetime]


class PersonAccountRow(Base):
    """One platform account (``telegram-ptb`` accounts are ``telegram``'s) and its person."""

    __tablename__ = "people_accounts"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people_persons.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(256))
    bot: Mapped[str] = mapped_column(String(64))
    """The bot that last saw the account: how it is told privately of links."""
    created_at: Mapped[datetime]
    linked_at: Mapped[datetime | None]


class LinkCodeRow(Base):
    """A ``/link`` code: only its SHA-256 is stored; ``used_at`` makes it single-use."""

    __tablename__ = "people_link_codes"
    __table_args__ = (Index("ix_people_link_codes_issuer", "platform", "user_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    bot: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LinkAttemptRow(Base):
    """The wrong codes one account typed in its current window, and its lockout."""

    __tablename__ = "people_link_attempts"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int]
    window_started_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
