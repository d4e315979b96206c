"""One pipeline batch's database transaction (:class:`core.store.Transaction`): event
de-duplication, the outbox, rejected updates, communities, settings, the roster and jobs,
with each feature's writes in a savepoint of their own."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncTransaction

from townsquare.core.actions import Action
from townsquare.core.events import UpdateRejected
from townsquare.core.facts.published import PublishedFact
from townsquare.core.refs import Actor, CommunityRef
from townsquare.core.store import EventKey
from townsquare.storage.facts import PendingFacts
from townsquare.storage.outbox import outbox_rows
from townsquare.storage.tables import communities as _communities
from townsquare.storage.tables import jobs as _jobs
from townsquare.storage.tables import members as _members
from townsquare.storage.tables import outbox as _outbox
from townsquare.storage.tables import processed as _processed
from townsquare.storage.tables import rejected as _rejected
from townsquare.storage.tables import settings as _settings

if TYPE_CHECKING:
    from townsquare.storage.store import SqlStore


def _payload_text(raw: object) -> str | None:
    """A native payload as JSON text, whatever it holds (ASCII escapes keep a lone
    surrogate, ``str`` stands in for what JSON cannot hold)."""
    if raw is None:
        return None
    return json.dumps(raw, ensure_ascii=True, default=str)


class SqlTransaction:
    """Implements :class:`core.store.Transaction`: one batch, one database transaction."""

    def __init__(self, store: SqlStore, connection: AsyncConnection) -> None:
        self.store = store
        self.connection = connection
        self.new_community_ids: dict[tuple[str, str], int] = {}
        self.changed_settings: set[tuple[str, str]] = set()
        self._in_scope = False
        self._savepoint: AsyncTransaction | None = None
        self.committed: list[Callable[[], None]] = []
        """What to do once this transaction commits (:meth:`after_commit`)."""
        self._scope_committed: list[Callable[[], None]] = []
        self._scope_ended: list[Callable[[bool], None]] = []
        self._roster: dict[tuple[int, str], dict[str, Any]] = {}
        """Members joined in this transaction, not written yet (see :meth:`flush`)."""
        self._roster_undo: dict[tuple[int, str], dict[str, Any] | None] = {}
        """What the current feature scope changed in ``_roster`` (restored if it fails)."""
        self._roster_flushed: dict[tuple[int, str], dict[str, Any]] = {}
        """Rows written inside the current scope's savepoint (pending again if it fails)."""
        self.facts = PendingFacts()
        """Facts published and not written yet (:meth:`publish`, :meth:`flush`)."""
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

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this transaction commits; never if it rolls back, or if
        the feature scope it was registered in fails (its writes are rolled back)."""
        (self._scope_committed if self._in_scope else self.committed).append(callback)

    @property
    def in_feature_scope(self) -> bool:
        """A feature's handler is running (its writes roll back alone if it fails)."""
        return self._in_scope

    def when_scope_ends(self, callback: Callable[[bool], None]) -> None:
        """Call ``callback(failed)`` when the current feature scope ends (at once with
        False outside a scope): for what a feature keeps in memory to write at the end of
        the transaction, which a failed handler must not leave behind."""
        if self._in_scope:
            self._scope_ended.append(callback)
        else:
            callback(False)

    def _enter_scope(self) -> None:
        self._in_scope, self._savepoint = True, None
        self._scope_committed = []
        self._scope_ended = []
        self.facts.enter_scope()

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
            self.facts.exit_scope(failed)
            ended, self._scope_ended = self._scope_ended, []
            for callback in ended:
                callback(failed)
            if not failed:
                self.committed.extend(self._scope_committed)
            self._scope_committed = []
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
        await connection.execute(_outbox.insert(), outbox_rows(actions, now))

    def publish(self, fact: PublishedFact) -> None:
        self.facts.add(fact)

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
        fails, they are kept again); outside a feature scope, the published facts too."""
        if not self._in_scope:
            await self.facts.write(self.connection)
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

    async def member_since(self, community: CommunityRef, user_id: str) -> datetime | None:
        await self.flush()
        joined: datetime | None = await self.connection.scalar(
            select(_members.c.joined_at)
            .join(_communities, _communities.c.id == _members.c.community_id)
            .where(
                _communities.c.platform == community.platform,
                _communities.c.external_id == community.id,
                _members.c.user_id == user_id,
                _members.c.left_at.is_(None),
            )
        )
        return joined

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
