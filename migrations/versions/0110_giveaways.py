"""giveaways: giveaways, their posts in a space, entries, draw rounds and members' levels

Revision ID: 0110
Revises: 0001
Create Date: 2026-12-05 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from townsquare.storage import models

revision: str = "0110"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("giveaways",)
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = models.UTCDateTime(timezone=True)


def _giveaway_id(table: str) -> list[Any]:
    return [
        sa.Column("giveaway_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["giveaway_id"],
            ["giveaways.id"],
            name=op.f(f"fk_{table}_giveaway_id_giveaways"),
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "giveaways",
        sa.Column("id", ID, nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=True),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("thread_id", sa.String(length=128), nullable=True),
        sa.Column("prize", sa.Text(), nullable=False),
        sa.Column("winners", sa.Integer(), nullable=False),
        sa.Column("min_days", sa.Integer(), nullable=True),
        sa.Column("min_level", sa.Integer(), nullable=True),
        sa.Column("space", sa.String(length=128), nullable=True),
        sa.Column("ends_at", UTC, nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("seed_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("drawn_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_giveaways")),
    )
    op.create_table(
        "giveaway_posts",
        *_giveaway_id("giveaway_posts"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=False),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("giveaway_id", "number", name=op.f("pk_giveaway_posts")),
    )
    op.create_table(
        "giveaway_entries",
        *_giveaway_id("giveaway_entries"),
        sa.Column("entrant", sa.String(length=160), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("entered_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("giveaway_id", "entrant", name=op.f("pk_giveaway_entries")),
    )
    op.create_table(
        "giveaway_rounds",
        *_giveaway_id("giveaway_rounds"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("asked", sa.Integer(), nullable=False),
        sa.Column("winners", sa.JSON(), nullable=False),
        sa.Column("drawn_by", sa.String(length=128), nullable=True),
        sa.Column("drawn_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("giveaway_id", "number", name=op.f("pk_giveaway_rounds")),
    )
    op.create_table(
        "giveaway_levels",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("person_id", ID, nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("scope", "person_id", name=op.f("pk_giveaway_levels")),
    )


def downgrade() -> None:
    op.drop_table("giveaway_levels")
    op.drop_table("giveaway_rounds")
    op.drop_table("giveaway_entries")
    op.drop_table("giveaway_posts")
    op.drop_table("giveaways")
