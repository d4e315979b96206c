"""announcements: managers' announcements and their schedule

Revision ID: 0130
Revises: 0001
Create Date: 2026-12-05 18:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from townsquare.storage import models

revision: str = "0130"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("announcements",)
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", ID, nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=True),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("thread_id", sa.String(length=128), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("pin", sa.Boolean(), nullable=False),
        sa.Column("space", sa.String(length=128), nullable=True),
        sa.Column("every", sa.String(length=16), nullable=True),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("first_at", UTC, nullable=False),
        sa.Column("next_at", UTC, nullable=True),
        sa.Column("posted", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_by_name", sa.String(length=256), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("cancelled_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )


def downgrade() -> None:
    op.drop_table("announcements")
