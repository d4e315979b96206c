"""feedback: one-time codes that make a chat of any community a team's inbox

Revision ID: 0151
Revises: 0150
Create Date: 2026-12-04 05:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from townsquare.storage import models

revision: str = "0151"
down_revision: str | None = "0150"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "feedback_team_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=160), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_feedback_team_codes")),
    )


def downgrade() -> None:
    op.drop_table("feedback_team_codes")
