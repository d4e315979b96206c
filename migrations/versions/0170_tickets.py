"""tickets: member <-> team conversations, their messages, audit log, last seen

Revision ID: 0170
Revises: 0001
Create Date: 2026-12-04 04:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from townsquare.storage import models

revision: str = "0170"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("tickets",)
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", ID, nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=False),
        sa.Column("community_title", sa.String(length=256), nullable=False),
        sa.Column("scope_platform", sa.String(length=32), nullable=False),
        sa.Column("scope_id", sa.String(length=128), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("member_bot", sa.String(length=64), nullable=False),
        sa.Column("member_platform", sa.String(length=32), nullable=False),
        sa.Column("member_user_id", sa.String(length=128), nullable=False),
        sa.Column("member_name", sa.String(length=256), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("claimed_by_id", sa.String(length=128), nullable=True),
        sa.Column("claimed_by_name", sa.String(length=256), nullable=True),
        sa.Column("claimed_by_platform", sa.String(length=32), nullable=True),
        sa.Column("inbox_bot", sa.String(length=64), nullable=True),
        sa.Column("inbox_channel", sa.String(length=128), nullable=True),
        sa.Column("inbox_thread", sa.String(length=128), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("last_activity_at", UTC, nullable=False),
        sa.Column("first_response_at", UTC, nullable=True),
        sa.Column("closed_at", UTC, nullable=True),
        sa.Column("closed_by_name", sa.String(length=256), nullable=True),
        sa.Column("closed_inactive", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tickets_scope", ["scope_platform", "scope_id", "status"], unique=False
        )
        batch_op.create_index("ix_tickets_person", ["person_id", "status"], unique=False)
        batch_op.create_index(
            "ix_tickets_account", ["member_platform", "member_user_id", "status"], unique=False
        )
        batch_op.create_index("ix_tickets_inbox", ["inbox_bot", "inbox_channel"], unique=False)

    op.create_table(
        "ticket_messages",
        sa.Column("id", ID, nullable=False),
        sa.Column("ticket_id", ID, nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("author_id", sa.String(length=128), nullable=False),
        sa.Column("author_name", sa.String(length=256), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_messages_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_messages")),
    )
    with op.batch_alter_table("ticket_messages", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_messages_ticket", ["ticket_id", "id"], unique=False)

    op.create_table(
        "ticket_audit",
        sa.Column("id", ID, nullable=False),
        sa.Column("ticket_id", ID, nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor_platform", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("actor_name", sa.String(length=256), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_audit_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_audit")),
    )
    with op.batch_alter_table("ticket_audit", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_audit_ticket", ["ticket_id", "id"], unique=False)

    op.create_table(
        "ticket_seen",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("bot", sa.String(length=64), nullable=False),
        sa.Column("community_id", sa.String(length=128), nullable=False),
        sa.Column("community_title", sa.String(length=256), nullable=False),
        sa.Column("seen_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("platform", "user_id", name=op.f("pk_ticket_seen")),
    )


def downgrade() -> None:
    op.drop_table("ticket_seen")
    op.drop_table("ticket_audit")
    op.drop_table("ticket_messages")
    op.drop_table("tickets")
