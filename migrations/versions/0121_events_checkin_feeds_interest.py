"""events: check-in codes, calendar feeds, Discord's interested counts

Revision ID: 0121
Revises: 0120
Create Date: 2026-12-04 04:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from townsquare.storage import models

revision: str = "0121"
down_revision: str | None = "0120"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("calendar_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkin_code", sa.String(length=8), nullable=True))
    op.create_table(
        "calendar_interest",
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("mirror_key", sa.String(length=128), nullable=False),
        sa.Column("interested", sa.Integer(), nullable=False),
        sa.Column("updated_at", models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["calendar_events.id"],
            name=op.f("fk_calendar_interest_event_id_calendar_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "mirror_key", name=op.f("pk_calendar_interest")),
    )
    op.create_table(
        "calendar_feeds",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=256), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=True),
        sa.Column("user_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("owner", name=op.f("uq_calendar_feeds_owner")),
    )


def downgrade() -> None:
    op.drop_table("calendar_feeds")
    op.drop_table("calendar_interest")
    with op.batch_alter_table("calendar_events", schema=None) as batch_op:
        batch_op.drop_column("checkin_code")
