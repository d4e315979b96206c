"""feedback: ideas, votes, board and team inbox messages, audited statuses, notices

Revision ID: 0150
Revises: 0001
Create Date: 2026-12-04 04:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from townsquare.storage import models

revision: str = "0150"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("feedback",)
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feedback_boards",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("thread_id", sa.String(length=128), nullable=True),
        sa.Column("set_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("scope", "bot", "community_id", name=op.f("pk_feedback_boards")),
    )
    op.create_table(
        "feedback_drafts",
        sa.Column("id", ID, nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=160), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=True),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("idea_id", ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_drafts")),
    )
    op.create_table(
        "feedback_ideas",
        sa.Column("id", ID, nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=True),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("duplicate_of", ID, nullable=True),
        sa.Column("team", sa.String(length=32), nullable=True),
        sa.Column("submitter", sa.String(length=160), nullable=False),
        sa.Column("submitter_platform", sa.String(length=32), nullable=False),
        sa.Column("submitter_bot", sa.String(length=64), nullable=False),
        sa.Column("submitter_user_id", sa.String(length=128), nullable=False),
        sa.Column("submitter_name", sa.String(length=256), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("status_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_ideas")),
    )
    op.create_index("ix_feedback_ideas_scope", "feedback_ideas", ["scope", "status"], unique=False)
    op.create_table(
        "feedback_teams",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=True),
        sa.Column("platform", sa.String(length=32), nullable=True),
        sa.Column("community_id", sa.String(length=128), nullable=True),
        sa.Column("channel_id", sa.String(length=128), nullable=True),
        sa.Column("thread_id", sa.String(length=128), nullable=True),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("scope", "name", name=op.f("pk_feedback_teams")),
    )
    op.create_table(
        "feedback_changes",
        sa.Column("id", ID, nullable=False),
        sa.Column("idea_id", ID, nullable=False),
        sa.Column("old", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("by", sa.String(length=160), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["feedback_ideas.id"],
            name=op.f("fk_feedback_changes_idea_id_feedback_ideas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_changes")),
    )
    op.create_index("ix_feedback_changes_idea", "feedback_changes", ["idea_id"], unique=False)
    op.create_index(
        "ix_feedback_changes_status_at", "feedback_changes", ["status", "at"], unique=False
    )
    op.create_table(
        "feedback_notices",
        sa.Column("id", ID, nullable=False),
        sa.Column("recipient", sa.String(length=160), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=True),
        sa.Column("idea_id", ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("duplicate_of", ID, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["feedback_ideas.id"],
            name=op.f("fk_feedback_notices_idea_id_feedback_ideas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_notices")),
    )
    op.create_index(
        "ix_feedback_notices_recipient", "feedback_notices", ["recipient", "sent_at"], unique=False
    )
    op.create_table(
        "feedback_posts",
        sa.Column("idea_id", ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=True),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("thread_id", sa.String(length=128), nullable=True),
        sa.Column("team", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["feedback_ideas.id"],
            name=op.f("fk_feedback_posts_idea_id_feedback_ideas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("idea_id", "number", name=op.f("pk_feedback_posts")),
    )
    op.create_table(
        "feedback_votes",
        sa.Column("idea_id", ID, nullable=False),
        sa.Column("voter", sa.String(length=160), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=True),
        sa.Column("voted_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["feedback_ideas.id"],
            name=op.f("fk_feedback_votes_idea_id_feedback_ideas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("idea_id", "voter", name=op.f("pk_feedback_votes")),
    )


def downgrade() -> None:
    op.drop_table("feedback_votes")
    op.drop_table("feedback_posts")
    op.drop_table("feedback_notices")
    op.drop_table("feedback_changes")
    op.drop_table("feedback_teams")
    op.drop_table("feedback_ideas")
    op.drop_table("feedback_drafts")
    op.drop_table("feedback_boards")
