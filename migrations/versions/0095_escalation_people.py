"""escalation: warnings keyed by person

Each warning gets the person of the account it was given to, so a person's warnings on
every linked account count together. Existing warnings get their account's person; an
account no person knows yet gets one of its own (a person id is what ``/link`` later
merges, so the account keeps its warnings when it joins another).

It follows the escalation branch's own revision (``down_revision = "0040"``: this
project's migration runner reads ``down_revision`` only, and Alembic's ``depends_on``
leaves a head the runner then waits for). The people tables may come later in the same
upgrade of an old database: the old warnings then keep no person and are still read by
their account (``storage.escalation``).

Revision ID: 0095
Revises: 0040
Create Date: 2026-12-03 19:20:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from townsquare.storage import models

revision: str = "0095"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = ("escalation_people",)
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIME = models.UTCDateTime(timezone=True)

_warnings = sa.table(
    "escalation_warnings",
    sa.column("platform", sa.String),
    sa.column("user_id", sa.String),
    sa.column("display_name", sa.String),
    sa.column("person_id", ID),
)
_persons = sa.table("people_persons", sa.column("id", ID), sa.column("created_at", UTC_TIME))
_accounts = sa.table(
    "people_accounts",
    sa.column("platform", sa.String),
    sa.column("user_id", sa.String),
    sa.column("person_id", ID),
    sa.column("display_name", sa.String),
    sa.column("bot", sa.String),
    sa.column("created_at", UTC_TIME),
    sa.column("linked_at", UTC_TIME),
)


def _account_platform(platform: str) -> str:
    """As :func:`core.persons.account_platform` (a migration imports no feature code)."""
    return platform.split("-", 1)[0].lower()


def upgrade() -> None:
    with op.batch_alter_table("escalation_warnings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", ID, nullable=True))
        batch_op.create_index(
            "ix_escalation_warnings_person", ["person_id", "expires_at"], unique=False
        )
    connection = op.get_bind()
    if not sa.inspect(connection).has_table("people_accounts"):
        return  # people comes later in this upgrade: the old warnings stay the account's
    now = datetime.now(UTC)
    warned = connection.execute(
        sa.select(_warnings.c.platform, _warnings.c.user_id, sa.func.max(_warnings.c.display_name))
        .group_by(_warnings.c.platform, _warnings.c.user_id)
        .order_by(_warnings.c.platform, _warnings.c.user_id)
    ).all()
    for platform, user_id, display_name in warned:
        account = _account_platform(platform)
        person_id = connection.execute(
            sa.select(_accounts.c.person_id).where(
                _accounts.c.platform == account, _accounts.c.user_id == user_id
            )
        ).scalar()
        if person_id is None:
            person_id = connection.execute(
                sa.insert(_persons).values(created_at=now).returning(_persons.c.id)
            ).scalar_one()
            connection.execute(
                sa.insert(_accounts).values(
                    platform=account,
                    user_id=user_id,
                    person_id=person_id,
                    display_name=(display_name or "")[:256],
                    bot="",
                    created_at=now,
                    linked_at=None,
                )
            )
        connection.execute(
            sa.update(_warnings)
            .where(_warnings.c.platform == platform, _warnings.c.user_id == user_id)
            .values(person_id=person_id)
        )


def downgrade() -> None:
    with op.batch_alter_table("escalation_warnings", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_warnings_person")
        batch_op.drop_column("person_id")
