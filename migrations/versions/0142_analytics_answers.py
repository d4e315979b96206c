"""analytics: heat signals, check-ins, activation, questions and their first answers, thanks

Revision ID: 0142
Revises: 0141
Create Date: 2026-12-04 05:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from townsquare.storage import models

UTC = models.UTCDateTime(timezone=True)

revision: str = "0142"
down_revision: str | None = "0141"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("analytics_days") as table:
        table.add_column(sa.Column("signals", sa.Integer(), server_default="0", nullable=False))
        table.add_column(sa.Column("checkins", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("analytics_newcomers") as table:
        table.add_column(sa.Column("replied", sa.Integer(), nullable=True))
    op.create_table(
        "analytics_questions",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("message", sa.String(length=200), nullable=False),
        sa.Column("asker", sa.String(length=16), nullable=False),
        sa.Column("asked_at", UTC, nullable=False),
        sa.Column("answered_at", UTC, nullable=True),
        sa.Column("by_bot", sa.Boolean(), nullable=False),
        sa.Column("answerer_platform", sa.String(length=32), nullable=True),
        sa.Column("answerer_id", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("scope", "message", name=op.f("pk_analytics_questions")),
    )
    op.create_index("ix_analytics_questions_asked", "analytics_questions", ["scope", "asked_at"])
    op.create_index("ix_analytics_questions_message", "analytics_questions", ["message"])
    op.create_table(
        "analytics_thanks",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("person", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("thanks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "day", "person", name=op.f("pk_analytics_thanks")),
    )


def downgrade() -> None:
    op.drop_table("analytics_thanks")
    op.drop_index("ix_analytics_questions_message", table_name="analytics_questions")
    op.drop_index("ix_analytics_questions_asked", table_name="analytics_questions")
    op.drop_table("analytics_questions")
    with op.batch_alter_table("analytics_newcomers") as table:
        table.drop_column("replied")
    with op.batch_alter_table("analytics_days") as table:
        table.drop_column("checkins")
        table.drop_column("signals")
