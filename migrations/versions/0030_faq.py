"""faq

Revision ID: 0030
Revises: 0001
Create Date: 2026-11-23 06:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from townsquare.storage import models

revision: str = "0030"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("faq",)
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "faq_entries",
        sa.Column("id", _ID, nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("created_at", models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_entries")),
    )
    with op.batch_alter_table("faq_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_faq_entries_revision", ["platform", "community_id", "revision"], unique=False
        )
    op.create_table(
        "faq_state",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("updated_at", models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "community_id", name=op.f("pk_faq_state")),
    )
    op.create_table(
        "faq_unanswered",
        sa.Column("id", _ID, nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=False),
        sa.Column("normalised", sa.String(length=255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_at", models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_at", models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_unanswered")),
        sa.UniqueConstraint(
            "platform",
            "community_id",
            "normalised",
            name=op.f("uq_faq_unanswered_platform_community_id_normalised"),
        ),
    )
    op.create_table(
        "faq_votes",
        sa.Column("entry_id", _ID, nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("voted_at", models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["faq_entries.id"],
            name=op.f("fk_faq_votes_entry_id_faq_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "user_id", name=op.f("pk_faq_votes")),
    )
    op.create_table(
        "faq_cooldowns",
        sa.Column("entry_id", _ID, nullable=False),
        sa.Column("channel_key", sa.String(length=300), nullable=False),
        sa.Column("answered_at", models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["faq_entries.id"],
            name=op.f("fk_faq_cooldowns_entry_id_faq_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "channel_key", name=op.f("pk_faq_cooldowns")),
    )


def downgrade() -> None:
    op.drop_table("faq_cooldowns")
    op.drop_table("faq_votes")
    op.drop_table("faq_unanswered")
    op.drop_table("faq_state")
    with op.batch_alter_table("faq_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_faq_entries_revision")
    op.drop_table("faq_entries")
