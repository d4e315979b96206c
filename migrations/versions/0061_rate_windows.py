"""rate slots: each limit's window of recent slots and their answers

Each paced key remembers its last ``count`` slots and when the platform answered each
(``rate_answers``, apart so that recording an answer never waits for a bot's row), so a
slot is never earlier than a window after the message ``count`` slots before it reached
the platform, however late that one arrived (``core.ratelimit``); and when its latest
message goes (the next one keeps some distance from it). Existing rows get an empty
window.

Revision ID: 0061
Revises: 0060
Create Date: 2026-12-04 01:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0061"
down_revision: str | None = "0060"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    times = sa.JSON().with_variant(postgresql.ARRAY(sa.Double()), "postgresql")
    with op.batch_alter_table("rate_slots") as table:
        table.add_column(sa.Column("last_at", sa.Double(), server_default="0", nullable=False))
        table.add_column(sa.Column("seq", sa.BigInteger(), server_default="0", nullable=False))
        table.add_column(sa.Column("recent", times, nullable=True))
    op.create_table(
        "rate_answers",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("place", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("answered_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key", "place", name=op.f("pk_rate_answers")),
    )


def downgrade() -> None:
    op.drop_table("rate_answers")
    with op.batch_alter_table("rate_slots") as table:
        table.drop_column("recent")
        table.drop_column("seq")
        table.drop_column("last_at")
