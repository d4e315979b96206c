"""github: ideas' GitHub issues (an outbox of their own) and webhook deliveries seen

Revision ID: 0155
Revises: 0001
Create Date: 2026-12-04 04:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from townsquare.storage import models

revision: str = "0155"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("github",)
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "github_issues",
        sa.Column("id", ID, nullable=False),
        sa.Column("idea_id", ID, nullable=False),
        sa.Column("idea_number", sa.Integer(), nullable=False),
        sa.Column("repo", sa.String(length=140), nullable=False),
        sa.Column("marker", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=True),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("requested_by_name", sa.String(length=256), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC, nullable=False),
        sa.Column("locked_until", UTC, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=512), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("opened_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_github_issues")),
        sa.UniqueConstraint("idea_id", name=op.f("uq_github_issues_idea_id")),
        sa.UniqueConstraint("marker", name=op.f("uq_github_issues_marker")),
    )
    op.create_index("ix_github_issues_repo_number", "github_issues", ["repo", "number"])
    op.create_index(
        "ix_github_issues_state_next_attempt_at", "github_issues", ["state", "next_attempt_at"]
    )
    op.create_table(
        "github_deliveries",
        sa.Column("delivery_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("delivery_id", name=op.f("pk_github_deliveries")),
    )


def downgrade() -> None:
    op.drop_table("github_deliveries")
    op.drop_index("ix_github_issues_state_next_attempt_at", table_name="github_issues")
    op.drop_index("ix_github_issues_repo_number", table_name="github_issues")
    op.drop_table("github_issues")
