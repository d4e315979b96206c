"""people: persons, their linked accounts, link codes and wrong-code counters

Revision ID: 0070
Revises: 0001
Create Date: 2026-12-03 16:45:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from townsquare.storage import models

revision: str = "0070"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("people",)
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "people_persons",
        sa.Column("id", ID, nullable=False),
        sa.Column("merged_into", ID, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people_persons")),
    )
    op.create_index(
        op.f("ix_people_persons_merged_into"), "people_persons", ["merged_into"], unique=False
    )
    op.create_table(
        "people_accounts",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("person_id", ID, nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("linked_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people_persons.id"],
            name=op.f("fk_people_accounts_person_id_people_persons"),
        ),
        sa.PrimaryKeyConstraint("platform", "user_id", name=op.f("pk_people_accounts")),
    )
    op.create_index(
        op.f("ix_people_accounts_person_id"), "people_accounts", ["person_id"], unique=False
    )
    op.create_table(
        "people_link_codes",
        sa.Column("id", ID, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people_link_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_people_link_codes_code_hash")),
    )
    op.create_index(
        "ix_people_link_codes_issuer", "people_link_codes", ["platform", "user_id"], unique=False
    )
    op.create_table(
        "people_link_attempts",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", UTC, nullable=True),
        sa.Column("locked_until", UTC, nullable=True),
        sa.PrimaryKeyConstraint("platform", "user_id", name=op.f("pk_people_link_attempts")),
    )


def downgrade() -> None:
    op.drop_table("people_link_attempts")
    op.drop_index("ix_people_link_codes_issuer", table_name="people_link_codes")
    op.drop_table("people_link_codes")
    op.drop_index(op.f("ix_people_accounts_person_id"), table_name="people_accounts")
    op.drop_table("people_accounts")
    op.drop_index(op.f("ix_people_persons_merged_into"), table_name="people_persons")
    op.drop_table("people_persons")
