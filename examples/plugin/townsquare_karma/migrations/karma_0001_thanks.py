"""karma: one row per thanks given

Revision ID: karma_0001
Revises:
Create Date: 2026-12-03 19:00:00.000000

The plugin's own Alembic branch: no parent (``down_revision = None``) and a label of its
own, so townsquare's revisions and the plugin's never depend on each other.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "karma_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("karma",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "karma_thanks",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("giver_id", sa.String(length=128), nullable=False),
        sa.Column("receiver_id", sa.String(length=128), nullable=False),
        sa.Column("receiver_name", sa.String(length=256), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "platform", "community_id", "message_id", "giver_id", name="pk_karma_thanks"
        ),
    )
    op.create_index(
        "ix_karma_thanks_receiver", "karma_thanks", ["platform", "community_id", "receiver_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_karma_thanks_receiver", table_name="karma_thanks")
    op.drop_table("karma_thanks")
