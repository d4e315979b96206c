"""rewards: the cooldown and the last grant as integers; no index on the last text

Every chunk of messages reads the cooldown: a number (milliseconds since the epoch)
costs less to read than a time. Copies are checked in memory now, so the last text needs
no index (each grant wrote one). A cooldown running while this upgrade runs ends.

Revision ID: 0101
Revises: 0100
Create Date: 2026-12-04 02:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from townsquare.storage import models

revision: str = "0101"
down_revision: str | None = "0100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rewards_wallets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cooling_until", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("earned_at", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.drop_index(batch_op.f("ix_rewards_wallets_digest"))
        batch_op.drop_column("updated_at")
        batch_op.drop_column("next_xp_at")
    with op.batch_alter_table("rewards_wallets", schema=None) as batch_op:
        batch_op.alter_column("earned_at", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("rewards_wallets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("next_xp_at", models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "updated_at",
                models.UTCDateTime(timezone=True),
                nullable=False,
                server_default="1970-01-01 00:00:00+00:00",
            )
        )
        batch_op.create_index(batch_op.f("ix_rewards_wallets_digest"), ["digest"], unique=False)
        batch_op.drop_column("earned_at")
        batch_op.drop_column("cooling_until")
    with op.batch_alter_table("rewards_wallets", schema=None) as batch_op:
        batch_op.alter_column("updated_at", server_default=None)
