"""analytics: each day's active count, each active row's previous day, the gaps rollup

Revision ID: 0141
Revises: 0140
Create Date: 2026-12-06 12:00:00.000000

``analytics_days.active`` keeps the people who wrote each day as a counter,
``analytics_active.prev`` links each row to the person's previous one, and
``analytics_gaps`` counts those links per day and gap, so a period's distinct people are
read from a few thousand rows (:class:`storage.analytics_models.AnalyticsGapRow`).
Rows written before this revision get all three computed here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0141"
down_revision: str | None = "0140"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_GAP = 91
"""As :data:`storage.analytics_models.MAX_GAP` (a migration keeps its own copy)."""


def upgrade() -> None:
    with op.batch_alter_table("analytics_days") as table:
        table.add_column(sa.Column("active", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("analytics_active") as table:
        table.add_column(sa.Column("prev", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "analytics_gaps",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("gap", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "day", "gap", name=op.f("pk_analytics_gaps")),
    )
    op.execute(
        "UPDATE analytics_active SET prev = COALESCE((SELECT MAX(b.day) FROM analytics_active b"
        " WHERE b.scope = analytics_active.scope AND b.person = analytics_active.person"
        " AND b.day < analytics_active.day), 0)"
    )
    op.execute(
        "UPDATE analytics_days SET active = (SELECT COUNT(*) FROM analytics_active a"
        " WHERE a.scope = analytics_days.scope AND a.day = analytics_days.day)"
    )
    op.execute(
        "INSERT INTO analytics_gaps (scope, day, gap, people)"
        " SELECT scope, day, gap, COUNT(*) FROM (SELECT scope, day, CASE WHEN prev = 0"
        f" OR day - prev > {MAX_GAP - 1} THEN {MAX_GAP} ELSE day - prev END AS gap"
        " FROM analytics_active) AS linked GROUP BY scope, day, gap"
    )


def downgrade() -> None:
    op.drop_table("analytics_gaps")
    with op.batch_alter_table("analytics_active") as table:
        table.drop_column("prev")
    with op.batch_alter_table("analytics_days") as table:
        table.drop_column("active")
