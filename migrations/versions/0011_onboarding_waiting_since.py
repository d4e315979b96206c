"""onboarding: waiting newcomers indexed by join time

The oldest waiting newcomer (when the combined greeting is due, and whether any waits) is
then one index row away, however many wait: a join costs the same in a burst.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 13:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("onboarding_newcomers", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_onboarding_newcomers_waiting"))
        batch_op.create_index(
            op.f("ix_onboarding_newcomers_waiting_since"),
            ["platform", "community_id", "waiting", "joined_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("onboarding_newcomers", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_onboarding_newcomers_waiting_since"))
        batch_op.create_index(
            op.f("ix_onboarding_newcomers_waiting"),
            ["platform", "community_id", "waiting"],
            unique=False,
        )
