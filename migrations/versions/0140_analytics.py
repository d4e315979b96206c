"""analytics: counters per scope and day, active people per day, newcomers, case times

Revision ID: 0140
Revises: 0001
Create Date: 2026-12-06 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from townsquare.storage import models

revision: str = "0140"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("analytics",)
depends_on: str | Sequence[str] | None = None

UTC = models.UTCDateTime(timezone=True)
COUNTERS = (
    "joins",
    "leaves",
    "messages",
    "replies",
    "reactions",
    "questions",
    "answered",
    "answered_by_bot",
    "helpful",
    "cases_opened",
)


def upgrade() -> None:
    op.create_table(
        "analytics_days",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS),
        sa.PrimaryKeyConstraint("scope", "day", name=op.f("pk_analytics_days")),
    )
    op.create_table(
        "analytics_active",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("person", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("scope", "day", "person", name=op.f("pk_analytics_active")),
    )
    op.create_index("ix_analytics_active_person", "analytics_active", ["scope", "person", "day"])
    op.create_table(
        "analytics_newcomers",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("person", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "person", name=op.f("pk_analytics_newcomers")),
    )
    op.create_index("ix_analytics_newcomers_day", "analytics_newcomers", ["scope", "day"])
    op.create_table(
        "analytics_cases",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("opened_at", UTC, nullable=False),
        sa.Column("claimed_at", UTC, nullable=True),
        sa.Column("resolved_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("scope", "case_id", name=op.f("pk_analytics_cases")),
    )


def downgrade() -> None:
    op.drop_table("analytics_cases")
    op.drop_index("ix_analytics_newcomers_day", table_name="analytics_newcomers")
    op.drop_table("analytics_newcomers")
    op.drop_index("ix_analytics_active_person", table_name="analytics_active")
    op.drop_table("analytics_active")
    op.drop_table("analytics_days")
