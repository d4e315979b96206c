"""The SQL implementation of :mod:`core.store`.

Written with SQLAlchemy Core statements over an ``AsyncConnection``: the hot paths
(de-duplication, outbox inserts, claims) are one statement for a whole batch. ORM classes
from :mod:`storage.models` serve as table definitions.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import ColumnElement, Table, and_, delete, func, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from core.actions import (
    Action,
    AnswerButton,
    AskText,
    DeleteMessage,
    EditMessage,
    RemoveMember,
    RestrictMember,
    SendDirect,
    SendEphemeral,
    SendFile,
    SendMessage,
    UnrestrictMember,
    action_from_payload,
    action_to_payload,
)
from core.events import UpdateRejected
from core.refs import Actor, ChannelRef, CommunityRef, MessageRef
from core.store import DueJob, EventKey, OutboxItem
from storage.database import reader
from storage.intake_models import RejectedUpdateRow
from storage.models import (
    Community,
    CommunitySetting,
    Member,
    OutboxMessage,
    ProcessedEvent,
    ScheduledJob,
    SentMessage,
)
from storage.writer import WriterTurns

_communities: Table = Community.__table__  # type: ignore[assignment]
_settings: Table = CommunitySetting.__table__  # type: ignore[assignment]
_members: Table = Member.__table__  # type: ignore[assignment]
_outbox: Table = OutboxMessage.__table__  # type: ignore[assignment]
_processed: Table = ProcessedEvent.__table__  # type: ignore[assignment]
_jobs: Table = ScheduledJob.__table__  # type: ignore[assignment]
_sent: Table = SentMessage.__table__  # type: ignore[assignment]
_rejected: Table = RejectedUpdateRow.__table__  # type: ignore[assignment]


def _outbox_rows(actions: Sequence[Action], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "bot": action.bot,
            "kind": action.kind,
            "lane": lane_of(action),
            "message_key": getattr(action, "key", None),
            "payload": action_to_payload(action),
            "status": "pending",
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
        }
        for action in actions
    ]


def _payload_text(raw: object) -> str | None:
    """A native payload as JSON text, whatever it holds (ASCII escapes keep a lone
    surrogate, ``str`` stands in for what JSON cannot hold)."""
    if raw is None:
        return None
    return json.dumps(raw, ensure_ascii=True, default=str)


def lane_of(action: Action) -> str:
    """Outbound actions in one lane are delivered in order and share one rate budget."""
    bot = action.bot
    if isinstance(action, SendMessage | SendEphemeral):
        return f"{bot}:chat:{action.channel.id}"
    if isinstance(action, SendDirect):
        return f"{bot}:dm:{action.user_id}"
    if isinstance(action, SendFile):
        if action.user_id is not None:
            return f"{bot}:dm:{action.user_id}"
        assert action.channel is not None
        return f"{bot}:chat:{action.channel.id}"
    if isinstance(action, EditMessage | DeleteMessage):
        if action.message is not None:
            return f"{bot}:chat:{action.message.channel.id}"
        return f"{bot}:key:{action.key}"
    if isinstance(action, AnswerButton | AskText):
        return f"{bot}:answers"
    if isinstance(action, RestrictMember | UnrestrictMember | RemoveMember):
        return f"{bot}:moderation:{action.community.id}"
    raise TypeError(f"no lane for {action!r}")


class SqlStore:
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

    # -- outbox ---------------------------------------------------------------------------

    async def claim_outbox(
        self,
        bots: Collection[str],
        now: datetime,
        *,
        limit: int,
        lease_seconds: float,
        owner: str,
        exclude: Collection[int] = (),
        per_lane: int | None = None,
    ) -> list[OutboxItem]:
        """Lease due rows, oldest first: never a row of a lane another owner holds a lease
        in (the lane's order stays whole, and its chat's pace is one process's), and with
        ``per_lane`` only the first rows of each lane among the pending ones, so one claim
        (one process) never takes all of a long lane at once."""
        pending = [_outbox.c.status == "pending", _outbox.c.bot.in_(list(bots))]
        held = select(_outbox.c.lane).where(
            *pending,
            _outbox.c.locked_until >= now,
            or_(_outbox.c.locked_by.is_(None), _outbox.c.locked_by != owner),
        )
        conditions = [*pending, _outbox.c.next_attempt_at <= now, _outbox.c.lane.not_in(held)]
        if per_lane is not None:
            ranked = (
                select(
                    _outbox.c.id,
                    func.row_number()
                    .over(partition_by=_outbox.c.lane, order_by=_outbox.c.id)
                    .label("rank"),
                )
                .where(*pending)
                .subquery()
            )
            conditions.append(
                _outbox.c.id.in_(select(ranked.c.id).where(ranked.c.rank <= per_lane))
            )
        if exclude:
            conditions.append(_outbox.c.id.not_in(list(exclude)))
        rows = await self._claim(
            _outbox,
            conditions,
            order_by=[_outbox.c.id],
            limit=limit,
            now=now,
            lease_seconds=lease_seconds,
            extra_values={"locked_by": owner},
            returning=["id", "bot", "lane", "payload", "attempts"],
        )
        items = [
            OutboxItem(
                id=row.id,
                bot=row.bot,
                lane=row.lane,
                action=action_from_payload(row.payload),
                attempts=row.attempts,
            )
            for row in rows
        ]
        return sorted(items, key=lambda item: item.id)

    async def renew_outbox(self, ids: Collection[int], until: datetime) -> None:
        if not ids:
            return
        async with self._writing(urgent=True), self.engine.begin() as connection:
            await connection.execute(
                update(_outbox)
                .where(_outbox.c.id.in_(list(ids)), _outbox.c.status == "pending")
                .values(locked_until=until)
            )

    async def release_outbox(self, owner: str, *, keep: Collection[int] = ()) -> int:
        """End every lease ``owner`` holds on pending rows but those in ``keep``: a
        graceful stop, so the next start or another process sends them at once."""
        conditions = [_outbox.c.locked_by == owner, _outbox.c.status == "pending"]
        if keep:
            conditions.append(_outbox.c.id.not_in(list(keep)))
        async with self._writing(), self.engine.begin() as connection:
            result = await connection.execute(
                update(_outbox).where(*conditions).values(locked_until=None, locked_by=None)
            )
        return int(result.rowcount or 0)

    async def outbox_done(
        self,
        item: OutboxItem,
        status: str,
        now: datetime,
        *,
        remember: tuple[str, MessageRef] | None = None,
        error: str | None = None,
        follow_up: Sequence[Action] = (),
    ) -> None:
        async with self._writing(urgent=True), self.engine.begin() as connection:
            if follow_up:
                await connection.execute(_outbox.insert(), _outbox_rows(follow_up, now))
            await connection.execute(
                update(_outbox)
                .where(_outbox.c.id == item.id)
                .values(
                    status=status,
                    finished_at=now,
                    locked_until=None,
                    attempts=item.attempts,
                    last_error=error,
                )
            )
            if remember is not None:
                key, message = remember
                values = {
                    "bot": item.bot,
                    "key": key,
                    "channel_id": message.channel.id,
                    "thread_id": message.channel.thread_id,
                    "message_id": message.message_id,
                    "sent_at": now,
                }
                upsert = self._insert(_sent).values(values)
                upsert = upsert.on_conflict_do_update(
                    index_elements=[_sent.c.bot, _sent.c.key],
                    set_={k: v for k, v in values.items() if k not in ("bot", "key")},
                )
                await connection.execute(upsert)

    DONE_CHUNK = 500
    """Row ids per ``UPDATE ... WHERE id IN (...)`` of :meth:`outbox_done_many` (well under
    SQLite's and asyncpg's limits on bound parameters)."""

    async def outbox_done_many(
        self, take: Callable[[], Sequence[tuple[int, str, int]]], now: datetime
    ) -> int:
        """Finish many rows that need nothing else stored (group commit of the delivery
        worker, :class:`core.store.GroupCommitStore`): ``take()`` is called once this
        process's writer turn has come, so completions that arrived while waiting for it
        join; one UPDATE per (status, attempts) and chunk of ids, in one transaction."""
        async with self._writing(urgent=True):
            completions = take()
            if not completions:
                return 0
            groups: dict[tuple[str, int], list[int]] = {}
            for row_id, status, attempts in completions:
                groups.setdefault((status, attempts), []).append(row_id)
            async with self.engine.begin() as connection:
                for (status, attempts), ids in groups.items():
                    for start in range(0, len(ids), self.DONE_CHUNK):
                        await connection.execute(
                            update(_outbox)
                            .where(_outbox.c.id.in_(ids[start : start + self.DONE_CHUNK]))
                            .values(
                                status=status,
                                finished_at=now,
                                locked_until=None,
                                attempts=attempts,
                                last_error=None,
                            )
                        )
        return len(completions)

    async def outbox_retry(
        self,
        item: OutboxItem,
        next_attempt_at: datetime,
        error: str,
        *,
        locked_until: datetime | None = None,
    ) -> None:
        async with self._writing(urgent=True), self.engine.begin() as connection:
            await connection.execute(
                update(_outbox)
                .where(_outbox.c.id == item.id)
                .values(
                    attempts=item.attempts,
                    next_attempt_at=next_attempt_at,
                    locked_until=locked_until,
                    last_error=error[:2000],
                )
            )

    async def sent_message(self, bot: str, key: str) -> MessageRef | None:
        async with self.reader.connect() as connection:
            row = (
                await connection.execute(
                    select(_sent.c.channel_id, _sent.c.thread_id, _sent.c.message_id).where(
                        _sent.c.bot == bot, _sent.c.key == key
                    )
                )
            ).first()
        if row is None:
            return None
        return MessageRef(ChannelRef(row.channel_id, thread_id=row.thread_id), row.message_id)

    async def key_pending(self, bot: str, key: str, before_id: int) -> bool:
        """Whether an earlier send under ``key`` is still waiting for delivery."""
        async with self.reader.connect() as connection:
            count = await connection.scalar(
                select(func.count())
                .select_from(_outbox)
                .where(
                    _outbox.c.bot == bot,
                    _outbox.c.message_key == key,
                    _outbox.c.kind.in_(["send_message", "send_direct"]),
                    _outbox.c.status == "pending",
                    _outbox.c.id < before_id,
                )
            )
        return bool(count)

    async def pending_outbox(self, bots: Collection[str]) -> int:
        async with self.reader.connect() as connection:
            count = await connection.scalar(
                select(func.count())
                .select_from(_outbox)
                .where(_outbox.c.status == "pending", _outbox.c.bot.in_(list(bots)))
            )
        return int(count or 0)

    async def outbox_status(self) -> list[dict[str, Any]]:
        """Every outbox row as a dict, oldest first (for tests and ``townsquare`` tools)."""
        async with self.reader.connect() as connection:
            rows = (await connection.execute(select(_outbox).order_by(_outbox.c.id))).mappings()
            return [dict(row) for row in rows]

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
        jobs = [
            DueJob(
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
            for row in rows
        ]
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


def _below_newest(table: Table) -> ColumnElement[bool]:
    """Not the row with the highest id: SQLite gives a new row the highest id plus one, so
    deleting that row would hand its id out again, and the delivery worker orders edits of
    one message by outbox id."""
    return table.c.id < select(func.max(table.c.id)).scalar_subquery()


class SqlTransaction:
    """Implements :class:`core.store.Transaction`: one batch, one database transaction."""

    def __init__(self, store: SqlStore, connection: AsyncConnection) -> None:
        self.store = store
        self.connection = connection
        self.new_community_ids: dict[tuple[str, str], int] = {}
        self.changed_settings: set[tuple[str, str]] = set()
        self._in_scope = False
        self._savepoint: AsyncTransaction | None = None
        self._roster: dict[tuple[int, str], dict[str, Any]] = {}
        """Members joined in this transaction, not written yet (see :meth:`flush`)."""
        self._roster_undo: dict[tuple[int, str], dict[str, Any] | None] = {}
        """What the current feature scope changed in ``_roster`` (restored if it fails)."""
        self._roster_flushed: dict[tuple[int, str], dict[str, Any]] = {}
        """Rows written inside the current scope's savepoint (pending again if it fails)."""
        self.memo: dict[str, Any] = {}
        """What repositories derived from this transaction's reads and their own writes
        and may reuse until it ends (a poll's tally, see :mod:`storage.polls`). Emptied
        whenever a feature scope fails: what it held may count writes rolled back."""

    @property
    def contended(self) -> bool:
        writer = self.store._writer
        return writer is not None and writer.urgent_waiting > 0

    @property
    def exclusive(self) -> bool:
        """Whether no other connection can write until this transaction ends: SQLite
        transactions here begin with ``BEGIN IMMEDIATE`` and hold the one write lock, so
        what this transaction read changes only by its own writes. Not on PostgreSQL."""
        return self.store.dialect == "sqlite"

    def feature_scope(self) -> _FeatureScope:
        return _FeatureScope(self)

    def _enter_scope(self) -> None:
        self._in_scope, self._savepoint = True, None

    async def _exit_scope(self, failed: bool) -> None:
        try:
            if failed:
                self.memo.clear()
                if self._savepoint is not None:
                    await self._savepoint.rollback()
                self._roster = {**self._roster_flushed, **self._roster}
                for key, before in self._roster_undo.items():
                    if before is None:
                        self._roster.pop(key, None)
                    else:
                        self._roster[key] = before
            elif self._savepoint is not None:
                await self._savepoint.commit()
        finally:
            self._in_scope, self._savepoint = False, None
            self._roster_undo, self._roster_flushed = {}, {}

    async def _write(self) -> AsyncConnection:
        """Every write goes through here: it opens the feature's savepoint lazily."""
        if self._in_scope and self._savepoint is None:
            self._savepoint = await self.connection.begin_nested()
        return self.connection

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        """Run a write statement inside the current feature scope (for feature repositories);
        ``parameters`` (a dict, or a list of dicts for executemany) keep the statement's
        compiled form cached, where ``insert().values([...])`` is compiled every time."""
        connection = await self._write()
        return await connection.execute(statement, parameters)

    async def claim_events(self, keys: Sequence[EventKey], now: datetime) -> set[EventKey]:
        if not keys:
            return set()
        rows = [
            {"platform": platform, "bot": bot, "event_id": event_id, "processed_at": now}
            for platform, bot, event_id in keys
        ]
        # executemany with RETURNING: SQLAlchemy batches it into multi-row INSERTs
        # ("insertmanyvalues") from one cached compiled statement.
        statement = (
            self.store._insert(_processed)
            .on_conflict_do_nothing()
            .returning(_processed.c.platform, _processed.c.bot, _processed.c.event_id)
        )
        result = await self.connection.execute(statement, rows)
        return {(row.platform, row.bot, row.event_id) for row in result}

    async def enqueue(self, actions: Sequence[Action], now: datetime) -> None:
        if not actions:
            return
        connection = await self._write()
        await connection.execute(_outbox.insert(), _outbox_rows(actions, now))

    async def keep_rejected(self, events: Sequence[UpdateRejected], now: datetime) -> None:
        if not events:
            return
        connection = await self._write()
        await connection.execute(
            _rejected.insert(),
            [
                {
                    "platform": event.platform,
                    "bot": event.bot,
                    "event_id": event.event_id[:255],
                    "update_kind": event.update_kind[:128],
                    "reason": event.reason,
                    "payload": _payload_text(event.raw),
                    "received_at": now,
                }
                for event in events
            ],
        )

    async def complete_job(
        self, job_id: int, now: datetime, *, created_at: datetime | None = None
    ) -> None:
        conditions = [_jobs.c.id == job_id]
        if created_at is not None:  # a job replaced since it was claimed stays pending
            conditions.append(_jobs.c.created_at == created_at)
        connection = await self._write()
        await connection.execute(
            update(_jobs).where(*conditions).values(status="done", fired_at=now, locked_until=None)
        )

    async def community_id(self, community: CommunityRef, now: datetime) -> int:
        key = (community.platform, community.id)
        known = self.store._community_ids.get(key) or self.new_community_ids.get(key)
        if known is not None:
            return known
        select_id = select(_communities.c.id).where(
            _communities.c.platform == community.platform,
            _communities.c.external_id == community.id,
        )
        found = await self.connection.scalar(select_id)
        if found is None:
            connection = await self._write()
            await connection.execute(
                self.store._insert(_communities)
                .values(
                    platform=community.platform,
                    external_id=community.id,
                    title=community.title[:256],
                    created_at=now,
                )
                .on_conflict_do_nothing()
            )
            found = await connection.scalar(select_id)
        if found is None:
            raise RuntimeError(f"community {community.id} vanished while being created")
        self.new_community_ids[key] = int(found)
        return int(found)

    async def settings(self, community: CommunityRef) -> dict[str, Any]:
        """The community's settings; served from memory for up to ``SETTINGS_TTL`` because
        nearly every reply needs the language."""
        key = (community.platform, community.id)
        cached = self.store._settings.get(key)
        if key not in self.changed_settings and cached and time.monotonic() < cached[0]:
            return dict(cached[1])
        rows = await self.connection.execute(
            select(_settings.c.key, _settings.c.value)
            .join(_communities, _communities.c.id == _settings.c.community_id)
            .where(
                _communities.c.platform == community.platform,
                _communities.c.external_id == community.id,
            )
        )
        settings = {row.key: row.value["v"] for row in rows}
        if key not in self.changed_settings:
            self.store._settings[key] = (time.monotonic() + self.store.SETTINGS_TTL, settings)
        return dict(settings)

    async def set_setting(
        self, community: CommunityRef, key: str, value: Any, now: datetime
    ) -> None:
        community_pk = await self.community_id(community, now)
        self.changed_settings.add((community.platform, community.id))
        values = {
            "community_id": community_pk,
            "key": key,
            "value": {"v": value},
            "updated_at": now,
        }
        upsert = self.store._insert(_settings).values(values)
        upsert = upsert.on_conflict_do_update(
            index_elements=[_settings.c.community_id, _settings.c.key],
            set_={"value": values["value"], "updated_at": now},
        )
        await self.execute(upsert)

    async def member_joined(self, community: CommunityRef, member: Actor, at: datetime) -> None:
        """Kept and written with the chunk's other joins in one statement (:meth:`flush`),
        or before the roster is next read or changed."""
        community_pk = await self.community_id(community, at)
        key = (community_pk, member.user_id)
        if self._in_scope and key not in self._roster_undo:
            self._roster_undo[key] = self._roster.get(key)
        self._roster[key] = {
            "community_id": community_pk,
            "user_id": member.user_id,
            "display_name": member.display_name[:256],
            "is_bot": member.is_bot,
            "joined_at": at,
            "left_at": None,
        }

    async def flush(self) -> None:
        """Write the members :meth:`member_joined` kept: one multi-row upsert, on the
        transaction's connection (if a feature scope's savepoint is open and that scope
        fails, they are kept again)."""
        if not self._roster:
            return
        rows, self._roster = self._roster, {}
        if self._savepoint is not None:
            self._roster_flushed.update(rows)
        upsert = self.store._insert(_members)
        upsert = upsert.on_conflict_do_update(
            index_elements=[_members.c.community_id, _members.c.user_id],
            set_={
                "display_name": upsert.excluded.display_name,
                "joined_at": upsert.excluded.joined_at,
                "left_at": None,
            },
        )
        await self.connection.execute(upsert, list(rows.values()))

    async def member_left(self, community: CommunityRef, member: Actor, at: datetime) -> None:
        await self.flush()
        community_pk = await self.community_id(community, at)
        await self.execute(
            update(_members)
            .where(_members.c.community_id == community_pk, _members.c.user_id == member.user_id)
            .values(left_at=at)
        )

    async def member_count(self, community: CommunityRef) -> int:
        await self.flush()
        count = await self.connection.scalar(
            select(func.count())
            .select_from(_members)
            .join(_communities, _communities.c.id == _members.c.community_id)
            .where(
                _communities.c.platform == community.platform,
                _communities.c.external_id == community.id,
                _members.c.left_at.is_(None),
                _members.c.is_bot.is_(False),
            )
        )
        return int(count or 0)

    async def schedule(
        self,
        *,
        kind: str,
        due_at: datetime,
        platform: str,
        bot: str,
        payload: dict[str, Any],
        community_id: str | None = None,
        channel_id: str | None = None,
        key: str | None = None,
        now: datetime,
    ) -> int:
        values = {
            "key": key,
            "kind": kind,
            "platform": platform,
            "bot": bot,
            "community_id": community_id,
            "channel_id": channel_id,
            "payload": payload,
            "due_at": due_at,
            "status": "pending",
            "locked_until": None,
            "created_at": now,
            "fired_at": None,
        }
        statement = self.store._insert(_jobs).values(**values)
        if key is not None:
            # One statement, so two processes scheduling the same key (two joins racing for
            # one batch deadline) never hit the unique key: the later one replaces the job.
            # A new created_at makes the replaced job a new event, and a firing of the old
            # version still in flight completes only that version (complete_job).
            statement = statement.on_conflict_do_update(
                index_elements=[_jobs.c.key],
                set_={name: value for name, value in values.items() if name != "key"},
            )
        result = await self.execute(statement.returning(_jobs.c.id))
        return int(result.scalar_one())

    async def cancel_job(self, key: str) -> bool:
        result = await self.execute(delete(_jobs).where(_jobs.c.key == key))
        return bool(result.rowcount)


class _FeatureScope:
    """:meth:`SqlTransaction.feature_scope` as a plain async context manager: it is
    entered for every handler of every event, and ``@asynccontextmanager``'s async
    generator (with the event loop's hooks) cost several times as much."""

    __slots__ = ("_tx",)

    def __init__(self, tx: SqlTransaction) -> None:
        self._tx = tx

    async def __aenter__(self) -> None:
        self._tx._enter_scope()

    async def __aexit__(self, kind: type[BaseException] | None, *_rest: object) -> bool:
        await self._tx._exit_scope(failed=kind is not None)
        return False  # an exception goes on, after the rollback
