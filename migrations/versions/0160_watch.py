"""watch: watched phrases, their mentions, hourly counts and digests

Revision ID: 0160
Revises: 0001
Create Date: 2026-12-04 04:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from townsquare.storage import models

revision: str = "0160"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("watch",)
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "watch_phrases",
        sa.Column("id", ID, nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("text", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_phrases")),
        sa.UniqueConstraint("scope", "key", name=op.f("uq_watch_phrases_scope_key")),
    )
    op.create_table(
        "watch_mentions",
        sa.Column("id", ID, nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("phrase_id", sa.BigInteger(), nullable=False),
        sa.Column("phrase", sa.String(length=100), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=False),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("excerpt", sa.String(length=100), nullable=False),
        sa.Column("link", sa.String(length=512), nullable=True),
        sa.Column("at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_mentions")),
        sa.UniqueConstraint(
            "scope",
            "phrase_id",
            "bot",
            "channel_id",
            "message_id",
            name=op.f("uq_watch_mentions_scope_phrase_id_bot_channel_id_message_id"),
        ),
    )
    op.create_index("ix_watch_mentions_hour", "watch_mentions", ["scope", "hour"])
    op.create_table(
        "watch_counts",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("phrase_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hour", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("alerted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "phrase_id", "hour", name=op.f("pk_watch_counts")),
    )
    op.create_table(
        "watch_digests",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("hour", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=128), nullable=False),
        sa.Column("shown", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "hour", name=op.f("pk_watch_digests")),
    )


def downgrade() -> None:
    op.drop_table("watch_digests")
    op.drop_table("watch_counts")
    op.drop_index("ix_watch_mentions_hour", table_name="watch_mentions")
    op.drop_table("watch_mentions")
    op.drop_table("watch_phrases")
