"""Tables of the GitHub link of the feedback feature (:mod:`core.feedback.github`).

``github_issues`` is an outbox of its own: one row per idea that is to become (or became) a
GitHub issue. ``/feedback issue`` writes it in the command's transaction; the worker
(:mod:`adapters.github.worker`) claims due rows with a short lease, opens the issue and
hands the outcome back to the core as an event, whose handler marks the row ``opened``
(with the issue's number) or ``failed``. ``idea_id`` is unique: an idea has one issue.
``marker`` goes into the issue's body, so a try repeated after a crash finds the issue an
earlier try opened instead of opening another.

``github_deliveries`` keeps the id of every webhook delivery that reached the core
(``X-GitHub-Delivery``), so a replayed delivery is ignored however late it comes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base, Id


class GithubIssueRow(Base):
    __tablename__ = "github_issues"
    __table_args__ = (
        UniqueConstraint("idea_id"),
        UniqueConstraint("marker"),
        Index("ix_github_issues_repo_number", "repo", "number"),
        Index("ix_github_issues_state_next_attempt_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    idea_id: Mapped[int] = mapped_column(Id)
    idea_number: Mapped[int]
    """The idea's id as members see it (``#12``)."""
    repo: Mapped[str] = mapped_column(String(140))
    marker: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(256))
    body: Mapped[str] = mapped_column(Text)
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[str | None] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))
    requested_by: Mapped[str] = mapped_column(String(128))
    requested_by_name: Mapped[str] = mapped_column(String(256))
    state: Mapped[str] = mapped_column(String(16))
    """``pending`` (to be opened), ``opened`` or ``failed`` (GitHub refused it)."""
    attempts: Mapped[int]
    next_attempt_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    number: Mapped[int | None]
    url: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]


class GithubDeliveryRow(Base):
    __tablename__ = "github_deliveries"

    delivery_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime]
