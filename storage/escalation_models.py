"""Tables of the escalation feature: cases, their reporters, the audit log, warnings,
one-time inbox link codes and the managers seen per community."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base, Id


class EscalationCaseRow(Base):
    """One case per reported or detected message (reports of it join the case)."""

    __tablename__ = "escalation_cases"
    __table_args__ = (
        UniqueConstraint("platform", "community_id", "channel_id", "message_id"),
        Index("ix_escalation_cases_community", "platform", "community_id", "status"),
        Index("ix_escalation_cases_inbox", "inbox_bot", "inbox_channel", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[str] = mapped_column(String(128))
    community_title: Mapped[str] = mapped_column(String(256))
    channel_id: Mapped[str] = mapped_column(String(128))
    channel_title: Mapped[str] = mapped_column(String(256))
    thread_id: Mapped[str | None] = mapped_column(String(128))
    message_id: Mapped[str | None] = mapped_column(String(128))
    snapshot: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(512))
    offender_id: Mapped[str | None] = mapped_column(String(128))
    offender_name: Mapped[str | None] = mapped_column(String(256))
    offender_role: Mapped[int]
    source: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    report_count: Mapped[int]
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    claimed_by_id: Mapped[str | None] = mapped_column(String(128))
    claimed_by_name: Mapped[str | None] = mapped_column(String(256))
    resolution: Mapped[str | None] = mapped_column(Text)
    inbox_bot: Mapped[str | None] = mapped_column(String(64))
    inbox_channel: Mapped[str | None] = mapped_column(String(128))
    inbox_thread: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    reannounced_at: Mapped[datetime | None]
    notified: Mapped[dict[str, Any]] = mapped_column(JSON)


class EscalationReporterRow(Base):
    """A member who reported a case; also what per-member report limits count."""

    __tablename__ = "escalation_reporters"
    __table_args__ = (
        Index(
            "ix_escalation_reporters_member", "platform", "community_id", "user_id", "reported_at"
        ),
    )

    case_id: Mapped[int] = mapped_column(
        ForeignKey("escalation_cases.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(256))
    reason: Mapped[str | None] = mapped_column(Text)
    platform: Mapped[str] = mapped_column(String(32))
    community_id: Mapped[str] = mapped_column(String(128))
    reported_at: Mapped[datetime]


class EscalationAuditRow(Base):
    """Who did what to a case or member, when, and why."""

    __tablename__ = "escalation_audit"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalation_cases.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(32))
    community_id: Mapped[str] = mapped_column(String(128))
    actor_id: Mapped[str] = mapped_column(String(128))
    actor_name: Mapped[str] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class EscalationWarningRow(Base):
    """A warning, given in one community to one account; ``person_id`` is that account's
    person when it was given (:class:`core.persons.PersonDirectory`), so the warnings of
    a person's linked accounts are counted together."""

    __tablename__ = "escalation_warnings"
    __table_args__ = (
        Index("ix_escalation_warnings_member", "platform", "community_id", "user_id", "expires_at"),
        Index("ix_escalation_warnings_person", "person_id", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    community_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(256))
    reason: Mapped[str | None] = mapped_column(Text)
    issued_by_id: Mapped[str] = mapped_column(String(128))
    issued_by_name: Mapped[str] = mapped_column(String(256))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    case_id: Mapped[int | None]
    person_id: Mapped[int | None] = mapped_column(Id)


class EscalationLinkCodeRow(Base):
    """A one-time ``/managers link`` code; ``used_at`` makes it single-use."""

    __tablename__ = "escalation_link_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[str] = mapped_column(String(128))
    community_title: Mapped[str] = mapped_column(String(256))
    channel_id: Mapped[str] = mapped_column(String(128))
    thread_id: Mapped[str | None] = mapped_column(String(128))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class EscalationManagerRow(Base):
    """A manager seen acting in a community: who gets direct messages without an inbox."""

    __tablename__ = "escalation_managers"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    community_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(256))
    seen_at: Mapped[datetime]
