"""faq: who added each entry

A helpful rating of an entry rewards the member who added it (the rewards feature hears
it in :class:`core.facts.FaqRated`); entries added before this revision have no author.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("faq_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_id", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("author_platform", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("faq_entries", schema=None) as batch_op:
        batch_op.drop_column("author_platform")
        batch_op.drop_column("author_id")
