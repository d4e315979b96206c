"""intake: rejected updates and the processes running each bot

Revision ID: 0005
Revises: 0001
Create Date: 2026-12-03 13:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from townsquare.storage import models

revision: str = "0005"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("intake",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rejected_updates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("update_kind", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("received_at", models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_updates")),
    )
    op.create_index(
        "ix_rejected_updates_received", "rejected_updates", ["received_at"], unique=False
    )
    op.create_table(
        "bot_processes",
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("mode", sa.String(length=32), nullable=False),
        sa.Column("started_at", models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot", "owner", name=op.f("pk_bot_processes")),
    )


def downgrade() -> None:
    op.drop_table("bot_processes")
    op.drop_index("ix_rejected_updates_received", table_name="rejected_updates")
    op.drop_table("rejected_updates")
