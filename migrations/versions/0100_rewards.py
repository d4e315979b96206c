"""rewards: wallets, the ledger, thanks per pair, communities with a weekly post

Revision ID: 0100
Revises: 0001
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from townsquare.storage import models

revision: str = "0100"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("rewards",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rewards_communities",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=False),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("last_week", sa.Integer(), nullable=True),
        sa.Column("created_at", models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "community_id", name=op.f("pk_rewards_communities")),
    )
    op.create_table(
        "rewards_ledger",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.Column("xp", sa.BigInteger(), nullable=False),
        sa.Column("by_platform", sa.String(length=32), nullable=True),
        sa.Column("by_user_id", sa.String(length=128), nullable=True),
        sa.Column("by_name", sa.String(length=256), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("at", models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards_ledger")),
        sa.UniqueConstraint("source", name=op.f("uq_rewards_ledger_source")),
    )
    op.create_index(op.f("ix_rewards_ledger_scope"), "rewards_ledger", ["scope"], unique=False)

    op.create_table(
        "rewards_thanks",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("giver", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("receiver", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "giver", "receiver", name=op.f("pk_rewards_thanks")),
    )
    op.create_table(
        "rewards_wallets",
        sa.Column(
            "person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("xp", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("reputation", sa.Integer(), nullable=False),
        sa.Column("next_xp_at", models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("miss", sa.String(length=16), nullable=True),
        sa.Column("digest", sa.String(length=16), nullable=True),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("week_xp", sa.BigInteger(), nullable=False),
        sa.Column("last_week_xp", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("month_xp", sa.BigInteger(), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=True),
        sa.Column("synced", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("updated_at", models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "scope", name=op.f("pk_rewards_wallets")),
    )
    op.create_index("ix_rewards_wallets_board", "rewards_wallets", ["scope", "xp"], unique=False)
    op.create_index(op.f("ix_rewards_wallets_digest"), "rewards_wallets", ["digest"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_rewards_wallets_digest"), table_name="rewards_wallets")
    op.drop_index("ix_rewards_wallets_board", table_name="rewards_wallets")

    op.drop_table("rewards_wallets")
    op.drop_table("rewards_thanks")
    op.drop_index(op.f("ix_rewards_ledger_scope"), table_name="rewards_ledger")

    op.drop_table("rewards_ledger")
    op.drop_table("rewards_communities")
