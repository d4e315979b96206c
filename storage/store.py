"""The SQL implementation of :mod:`core.store`.

Written with SQLAlchemy Core statements over an ``AsyncConnection``: the hot paths
(de-duplication, outbox inserts, claims) are one statement for a whole batch. The outbox's
statements are in :mod:`storage.outbox`, a batch's transaction in
:mod:`storage.transaction`; this module holds the store itself (connections, SQLite's
writer turns, the claim statement), the scheduler's statements and pruning.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import ColumnElement, Table, and_, delete, func, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from townsquare.core.store import DueJob
from townsquare.storage.database import reader
from townsquare.storage.outbox import OutboxQueries, lane_of
from townsquare.storage.tables import jobs as _jobs
from townsquare.storage.tables import outbox as _outbox
from townsquare.storage.tables import processed as _processed
from townsquare.storage.transaction import SqlTransaction
from townsquare.storage.writer import WriterTurns

__all__ = ["SqlStore", "SqlTransaction", "lane_of"]

log = logging.getLogger(__name__)


class SqlStore(OutboxQueries):
    """Implements :class:`core.store.Store` on SQLite or PostgreSQL."""

    SETTINGS_TTL = 5.0
    """Seconds a community's settings are served from memory. Changes made by this process
    are seen at once; on a PostgreSQL database shared by several processes, another
    process's change (``/lang``, ``/welcome set``) is seen within this time."""

    prune_chunk = 5_000
    """Rows deleted per transaction when old records are pruned."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.owner = f"{socket.gethostname()}:{uuid4().hex[:8]}"
        self._community_ids: dict[tuple[str, str], int] = {}
        self._settings: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self.reader = reader(engine)
        self._writer = WriterTurns() if self.dialect == "sqlite" else None

    @asynccontextmanager
    async def _writing(self, *, urgent: bool = False) -> AsyncIterator[None]:
        """SQLite has one writer at a time: queue this process's writers here
        (:mod:`storage.writer`); ``urgent`` ones, recording what a platform already
        accepted, go before the pipeline's batches."""
        if self._writer is None:
            yield
            return
        async with self._writer.turn(urgent=urgent):
            yield

    def _insert(self, table: Table) -> Any:
        module = postgresql if self.dialect == "postgresql" else sqlite
        return module.insert(table)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlTransaction]:
        async with self._writing(), self.engine.connect() as connection, connection.begin():
            tx = SqlTransaction(self, connection)
            yield tx
        self._community_ids.update(tx.new_community_ids)
        for key in tx.changed_settings:
            self._settings.pop(key, None)
        for callback in tx.committed:
            try:
                callback()
            except Exception:
                log.exception("an after-commit callback failed")

    async def _claim(
        self,
        table: Table,
        conditions: list[Any],
        *,
        order_by: list[Any],
        limit: int,
        now: datetime,
        lease_seconds: float,
        returning: list[str],
        extra_values: dict[str, Any] | None = None,
    ) -> list[Any]:
        """Lease up to ``limit`` rows no one else holds: rows whose lease is unset or past,
        skipping rows another transaction has locked (PostgreSQL ``SKIP LOCKED``), so
        several processes never take the same row."""
        due = (
            select(table.c.id)
            .where(
                *conditions,
                table.c.locked_until.is_(None) | (table.c.locked_until < now),
            )
            .order_by(*order_by)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        claim = (
            update(table)
            .where(table.c.id.in_(due.scalar_subquery()))
            .values(locked_until=now + timedelta(seconds=lease_seconds), **(extra_values or {}))
            .returning(*(table.c[name] for name in returning))
        )
        async with self._writing(), self.engine.begin() as connection:
            return list((await connection.execute(claim)).all())

    # -- scheduler ------------------------------------------------------------------------

    async def claim_jobs(
        self, bots: Collection[str], now: datetime, *, limit: int, lease_seconds: float
    ) -> list[DueJob]:
        rows = await self._claim(
            _jobs,
            [_jobs.c.status == "pending", _jobs.c.bot.in_(list(bots)), _jobs.c.due_at <= now],
            order_by=[_jobs.c.due_at, _jobs.c.id],
            limit=limit,
            now=now,
            lease_seconds=lease_seconds,
            returning=[
                "id",
                "kind",
                "platform",
                "bot",
                "community_id",
                "channel_id",
                "payload",
                "due_at",
                "created_at",
            ],
        )
        jobs = [due_job(row) for row in rows]
        return sorted(jobs, key=lambda job: (job.due_at, job.id))

    async def renew_jobs(self, ids: Collection[int], until: datetime) -> None:
        """Extend the leases of jobs still being fired (their events not committed yet)."""
        if not ids:
            return
        async with self._writing(), self.engine.begin() as connection:
            await connection.execute(
                update(_jobs)
                .where(_jobs.c.id.in_(list(ids)), _jobs.c.status == "pending")
                .values(locked_until=until)
            )

    async def release_jobs(self, ids: Collection[int]) -> int:
        """End the leases of claimed jobs that did not fire (a graceful stop)."""
        if not ids:
            return 0
        async with self._writing(), self.engine.begin() as connection:
            result = await connection.execute(
                update(_jobs)
                .where(_jobs.c.id.in_(list(ids)), _jobs.c.status == "pending")
                .values(locked_until=None)
            )
        return int(result.rowcount or 0)

    async def next_job_due(self, bots: Collection[str]) -> datetime | None:
        async with self.reader.connect() as connection:
            value = await connection.scalar(
                select(func.min(_jobs.c.due_at)).where(
                    _jobs.c.status == "pending", _jobs.c.bot.in_(list(bots))
                )
            )
        result: datetime | None = value
        return result

    async def prune_processed(self, before: datetime) -> int:
        return await self._delete_in_chunks(_processed, _processed.c.processed_at < before)

    async def prune_outbox(self, *, sent_before: datetime, failed_before: datetime) -> int:
        finished = _outbox.c.finished_at
        return await self._delete_in_chunks(
            _outbox,
            and_(
                or_(
                    and_(_outbox.c.status.in_(("sent", "superseded")), finished < sent_before),
                    and_(_outbox.c.status == "failed", finished < failed_before),
                ),
                _below_newest(_outbox),
            ),
        )

    async def prune_jobs(self, before: datetime) -> int:
        return await self._delete_in_chunks(
            _jobs,
            and_(_jobs.c.status == "done", _jobs.c.fired_at < before, _below_newest(_jobs)),
        )

    async def _delete_in_chunks(self, table: Table, condition: ColumnElement[bool]) -> int:
        """Delete the rows matching ``condition``, :attr:`prune_chunk` rows per transaction,
        so the pipeline never waits long for SQLite's single writer behind a clean-up."""
        chunk = self.prune_chunk
        key = list(table.primary_key.columns)
        removed = 0
        while True:
            doomed = select(*key).where(condition).limit(chunk)
            if len(key) == 1:
                matching = key[0].in_(doomed.scalar_subquery())
            else:
                matching = tuple_(*key).in_(doomed)
            async with self._writing(), self.engine.begin() as connection:
                result = await connection.execute(delete(table).where(matching))
            count = int(result.rowcount or 0)
            removed += count
            if count < chunk:
                return removed


def due_job(row: Any) -> DueJob:
    """A ``scheduled_jobs`` row as the scheduler hands it to the pipeline."""
    return DueJob(
        id=row.id,
        kind=row.kind,
        platform=row.platform,
        bot=row.bot,
        community_id=row.community_id,
        channel_id=row.channel_id,
        payload=row.payload,
        due_at=row.due_at,
        created_at=row.created_at,
    )


def _below_newest(table: Table) -> ColumnElement[bool]:
    """Not the row with the highest id: SQLite gives a new row the highest id plus one, so
    deleting that row would hand its id out again, and the delivery worker orders edits of
    one message by outbox id."""
    return table.c.id < select(func.max(table.c.id)).scalar_subquery()
