"""gateway sessions: where each Discord shard's session left off, to resume it

Revision ID: 0065
Revises: 0001
Create Date: 2026-12-03 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from townsquare.storage import models

revision: str = "0065"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("gateway",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gateway_sessions",
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=128), nullable=False),
        sa.Column("resume_url", sa.String(length=512), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("saved_at", models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot", "shard", name=op.f("pk_gateway_sessions")),
    )


def downgrade() -> None:
    op.drop_table("gateway_sessions")
