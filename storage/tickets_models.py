"""Tables of the tickets feature: tickets, their messages both ways, the audit log, and
where each account was last seen writing (the community a direct message means)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base, Id


class TicketRow(Base):
    """One member <-> team conversation. Its card in the managers' inbox is the outbox
    message under the key ``ticket:<id>`` (``sent_messages``); its auto-close job has the
    key ``tickets.autoclose:<id>``."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_scope", "scope_platform", "scope_id", "status"),
        Index("ix_tickets_person", "person_id", "status"),
        Index("ix_tickets_account", "member_platform", "member_user_id", "status"),
        Index("ix_tickets_inbox", "inbox_bot", "inbox_channel"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[str] = mapped_column(String(128))
    community_title: Mapped[str] = mapped_column(String(256))
    scope_platform: Mapped[str] = mapped_column(String(32))
    scope_id: Mapped[str] = mapped_column(String(128))
    person_id: Mapped[int | None] = mapped_column(BigInteger)
    member_bot: Mapped[str] = mapped_column(String(64))
    member_platform: Mapped[str] = mapped_column(String(32))
    member_user_id: Mapped[str] = mapped_column(String(128))
    member_name: Mapped[str] = mapped_column(String(256))
    status: Mapped[str] = mapped_column(String(16))
    message_count: Mapped[int]
    claimed_by_id: Mapped[str | None] = mapped_column(String(128))
    claimed_by_name: Mapped[str | None] = mapped_column(String(256))
    claimed_by_platform: Mapped[str | None] = mapped_column(String(32))
    inbox_bot: Mapped[str | None] = mapped_column(String(64))
    inbox_channel: Mapped[str | None] = mapped_column(String(128))
    inbox_thread: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by_name: Mapped[str | None] = mapped_column(String(256))
    closed_inactive: Mapped[bool]


class TicketMessageRow(Base):
    """A message of a ticket: the member's (``direction`` member) or the team's."""

    __tablename__ = "ticket_messages"
    __table_args__ = (Index("ix_ticket_messages_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(8))
    platform: Mapped[str] = mapped_column(String(32))
    author_id: Mapped[str] = mapped_column(String(128))
    author_name: Mapped[str] = mapped_column(String(256))
    text: Mapped[str] = mapped_column(Text)
    named: Mapped[bool]
    at: Mapped[datetime]


class TicketAuditRow(Base):
    """Who did what to a ticket, when."""

    __tablename__ = "ticket_audit"
    __table_args__ = (Index("ix_ticket_audit_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(32))
    actor_platform: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str] = mapped_column(String(128))
    actor_name: Mapped[str] = mapped_column(String(256))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class TicketSeenRow(Base):
    """The community an account last wrote in (through ``bot``)."""

    __tablename__ = "ticket_seen"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    bot: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[str] = mapped_column(String(128))
    community_title: Mapped[str] = mapped_column(String(256))
    seen_at: Mapped[datetime]
