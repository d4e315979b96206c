"""Tables of the feedback feature: ideas, one vote row per idea and person, their board and
team inbox messages, the audited status changes, and the notices owed to backers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base, Id


class FeedbackIdeaRow(Base):
    """An idea of a scope (``space:<name>`` or ``community:<platform>:<id>``), filed in
    ``community_id`` on ``platform``; ``submitter`` is the person key (``p<id>``)."""

    __tablename__ = "feedback_ideas"
    __table_args__ = (Index("ix_feedback_ideas_scope", "scope", "status"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    scope: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[str | None] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[int | None] = mapped_column(Id)
    team: Mapped[str | None] = mapped_column(String(32))
    submitter: Mapped[str] = mapped_column(String(160))
    submitter_platform: Mapped[str] = mapped_column(String(32))
    submitter_bot: Mapped[str] = mapped_column(String(64))
    submitter_user_id: Mapped[str] = mapped_column(String(128))
    submitter_name: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime]
    status_at: Mapped[datetime]


def _idea_id() -> Mapped[int]:
    return mapped_column(ForeignKey("feedback_ideas.id", ondelete="CASCADE"), primary_key=True)


class FeedbackVoteRow(Base):
    """A vote (the submitter's too): one per idea and person (``voter``); the account is
    who to tell, in the language of ``community_id``."""

    __tablename__ = "feedback_votes"

    idea_id: Mapped[int] = _idea_id()
    voter: Mapped[str] = mapped_column(String(160), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(256))
    community_id: Mapped[str | None] = mapped_column(String(128))
    voted_at: Mapped[datetime]


class FeedbackPostRow(Base):
    """One message of an idea: on a board, or in a team's inbox (``team``); it is
    ``sent_messages`` under the key ``feedback:<idea id>:<number>``."""

    __tablename__ = "feedback_posts"

    idea_id: Mapped[int] = _idea_id()
    number: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[str | None] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))
    thread_id: Mapped[str | None] = mapped_column(String(128))
    team: Mapped[bool]


class FeedbackChangeRow(Base):
    """The audit of an idea's statuses: who moved it where, when, with which note."""

    __tablename__ = "feedback_changes"
    __table_args__ = (
        Index("ix_feedback_changes_idea", "idea_id"),
        Index("ix_feedback_changes_status_at", "status", "at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("feedback_ideas.id", ondelete="CASCADE"))
    old: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(160))
    at: Mapped[datetime]


class FeedbackNoticeRow(Base):
    """A status change owed to one backer; ``sent_at`` is set in the transaction that
    queues the one message telling them, so each is told once."""

    __tablename__ = "feedback_notices"
    __table_args__ = (Index("ix_feedback_notices_recipient", "recipient", "sent_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(160))
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(256))
    community_id: Mapped[str | None] = mapped_column(String(128))
    idea_id: Mapped[int] = mapped_column(ForeignKey("feedback_ideas.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[int | None] = mapped_column(Id)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class FeedbackDraftRow(Base):
    """An idea held back while similar ones are offered; ``idea_id`` once filed."""

    __tablename__ = "feedback_drafts"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    scope: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(160))
    platform: Mapped[str] = mapped_column(String(32))
    bot: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(256))
    community_id: Mapped[str | None] = mapped_column(String(128))
    channel_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    idea_id: Mapped[int | None] = mapped_column(Id)


class FeedbackBoardRow(Base):
    """A community's feedback board channel in a scope (``/feedback board here``)."""

    __tablename__ = "feedback_boards"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    bot: Mapped[str] = mapped_column(String(64), primary_key=True)
    community_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(128))
    thread_id: Mapped[str | None] = mapped_column(String(128))
    set_at: Mapped[datetime]


class FeedbackTeamRow(Base):
    """A team of a scope: its inbox chat (any platform) and the keywords routed to it
    (``{"words": [...]}``)."""

    __tablename__ = "feedback_teams"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    bot: Mapped[str | None] = mapped_column(String(64))
    platform: Mapped[str | None] = mapped_column(String(32))
    community_id: Mapped[str | None] = mapped_column(String(128))
    channel_id: Mapped[str | None] = mapped_column(String(128))
    thread_id: Mapped[str | None] = mapped_column(String(128))
    keywords: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FeedbackTeamCodeRow(Base):
    """A one-time code making a chat of any community a team's inbox (SHA-256 only)."""

    __tablename__ = "feedback_team_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(200))
    team: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
