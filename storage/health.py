"""Reads for ``/readyz`` and ``/metrics``: does the database answer, and how much waits in
the outbox. Read-only and cheap (one aggregate over the ``ix_outbox_due`` index)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from townsquare.storage.database import reader
from townsquare.storage.models import OutboxMessage


@dataclass(frozen=True)
class Backlog:
    """Pending outbox rows of one bot and when the oldest was queued."""

    pending: int
    oldest: datetime | None


async def ping(engine: AsyncEngine) -> None:
    """Raises when the database does not answer."""
    async with reader(engine).connect() as connection:
        await connection.execute(text("SELECT 1"))


async def outbox_backlog(engine: AsyncEngine) -> dict[str, Backlog]:
    query = (
        select(OutboxMessage.bot, func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status == "pending")
        .group_by(OutboxMessage.bot)
    )
    async with reader(engine).connect() as connection:
        rows = (await connection.execute(query)).all()
    backlog: dict[str, Backlog] = {}
    for bot, pending, oldest in rows:
        if isinstance(oldest, str):  # SQLite's MIN() bypasses the column's type
            oldest = datetime.fromisoformat(oldest)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        backlog[bot] = Backlog(int(pending), oldest)
    return backlog


async def live_bots(engine: AsyncEngine, now: datetime) -> set[str]:
    """Bots some live process runs (a ``bot_processes`` row refreshed recently), for a
    ``townsquare web`` process that runs none itself."""
    from townsquare.storage.intake_models import BotProcessRow
    from townsquare.storage.processes import LIVE_FOR

    query = select(BotProcessRow.bot).where(BotProcessRow.seen_at >= now - LIVE_FOR)
    async with reader(engine).connect() as connection:
        return {row[0] for row in (await connection.execute(query)).all()}
