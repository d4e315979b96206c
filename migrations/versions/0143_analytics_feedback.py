"""analytics: ideas filed and shipped (the feedback feature's facts)

Revision ID: 0143
Revises: 0142
Create Date: 2026-12-04 20:00:00.000000

Two counters of ``analytics_days`` (0 on the days counted before) and
``analytics_shipped``, the ideas already counted as shipped per scope, so an idea marked
done again after a reopening is not counted twice.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0143"
down_revision: str | None = "0142"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("analytics_days") as table:
        table.add_column(
            sa.Column("feedback_filed", sa.Integer(), server_default="0", nullable=False)
        )
        table.add_column(
            sa.Column("feedback_shipped", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "analytics_shipped",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("idea_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "idea_id", name=op.f("pk_analytics_shipped")),
    )


def downgrade() -> None:
    op.drop_table("analytics_shipped")
    with op.batch_alter_table("analytics_days") as table:
        table.drop_column("feedback_shipped")
        table.drop_column("feedback_filed")
