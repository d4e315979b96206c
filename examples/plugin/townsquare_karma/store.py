"""Where karma is kept: the ``karma_thanks`` table (created by the plugin's own migration
branch, ``townsquare_karma/migrations``), one row per member thanked for one message.

The feature sees :class:`KarmaStore`; :class:`SqlKarmaStore` works on the batch's
transaction, so a thanks is written together with the event's de-duplication record and
the bot's answer, and a redelivered update changes nothing. Writes go through
``tx.execute`` (inside the feature's savepoint: a failing handler is rolled back alone);
reads use ``tx.connection``, which sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import (
    Column,
    DateTime,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from townsquare.core.store import Transaction
from townsquare.storage.store import SqlTransaction

metadata = MetaData()
"""The plugin's own tables: never townsquare's ``MetaData``, whose schema test compares
townsquare's migrations with townsquare's models only."""

thanks = Table(
    "karma_thanks",
    metadata,
    Column("platform", String(32), nullable=False),
    Column("community_id", String(128), nullable=False),
    Column("message_id", String(128), nullable=False),
    Column("giver_id", String(128), nullable=False),
    Column("receiver_id", String(128), nullable=False),
    Column("receiver_name", String(256), nullable=False),
    Column("given_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("platform", "community_id", "message_id", "giver_id"),
)


@dataclass(frozen=True, slots=True)
class Thanks:
    platform: str
    community_id: str
    message_id: str
    giver_id: str
    receiver_id: str
    receiver_name: str
    given_at: datetime


class KarmaStore(Protocol):
    async def give(self, given: Thanks) -> bool:
        """Record a thanks; False when this giver already thanked for this message."""
        ...

    async def points(self, platform: str, community_id: str, user_id: str) -> int: ...

    async def top(self, platform: str, community_id: str, limit: int) -> list[tuple[str, int]]:
        """``(display name, points)`` of the most thanked members, most first."""
        ...


class SqlKarmaStore:
    """:class:`KarmaStore` over one batch transaction (SQLite or PostgreSQL)."""

    def __init__(self, tx: Transaction) -> None:
        assert isinstance(tx, SqlTransaction), "karma needs townsquare's SQL storage"
        self.tx = tx

    async def give(self, given: Thanks) -> bool:
        dialect = self.tx.connection.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(thanks).values(_row(given))
        result = await self.tx.execute(statement.on_conflict_do_nothing())
        return bool(result.rowcount)

    async def points(self, platform: str, community_id: str, user_id: str) -> int:
        query = select(func.count()).where(
            thanks.c.platform == platform,
            thanks.c.community_id == community_id,
            thanks.c.receiver_id == user_id,
        )
        return int(await self.tx.connection.scalar(query) or 0)

    async def top(self, platform: str, community_id: str, limit: int) -> list[tuple[str, int]]:
        here = (thanks.c.platform == platform, thanks.c.community_id == community_id)
        points = func.count().label("points")
        leaders = (
            await self.tx.connection.execute(
                select(thanks.c.receiver_id, points)
                .where(*here)
                .group_by(thanks.c.receiver_id)
                .order_by(points.desc(), thanks.c.receiver_id)
                .limit(limit)
            )
        ).all()
        names: dict[str, str] = {}
        named = await self.tx.connection.execute(  # the name each was last thanked under
            select(thanks.c.receiver_id, thanks.c.receiver_name)
            .where(*here, thanks.c.receiver_id.in_([row[0] for row in leaders]))
            .order_by(thanks.c.given_at)
        )
        for receiver, name in named:
            names[receiver] = name
        return [(names[str(row[0])], int(row[1])) for row in leaders]


def _row(given: Thanks) -> dict[str, object]:
    return {
        "platform": given.platform,
        "community_id": given.community_id,
        "message_id": given.message_id,
        "giver_id": given.giver_id,
        "receiver_id": given.receiver_id,
        "receiver_name": given.receiver_name[:256],
        "given_at": given.given_at,
    }
