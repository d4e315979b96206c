"""SQL side of :mod:`core.onboarding`: reads on the batch connection, writes through
``SqlTransaction.execute`` (the feature's savepoint).

A burst of joins is handled a chunk at a time (:meth:`core.features.Feature.prepare` /
``finish``): whether the chunk's newcomers are known, and since when newcomers wait, are
read for the whole chunk (:meth:`SqlOnboardingStore.preload`), and the newcomers whose
greeting waits for the combined message are written at the chunk's end in one
multi-row INSERT (:meth:`SqlOnboardingStore.add_later`, :meth:`SqlOnboardingStore.flush`).
The reads live in :attr:`SqlTransaction.memo` (emptied when a feature scope fails, then
read again); the rows still to write live apart (:data:`_PENDING`) and are written before
anything else reads or changes newcomers, on the transaction's connection.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, select, update

from townsquare.core.onboarding.store import CommunityState, GateStatus, Newcomer
from townsquare.storage.onboarding_models import OnboardingCommunityRow, OnboardingNewcomerRow
from townsquare.storage.onboarding_privacy import OnboardingPersonalData
from townsquare.storage.store import SqlTransaction

_newcomers: Table = OnboardingNewcomerRow.__table__  # type: ignore[assignment]
_communities: Table = OnboardingCommunityRow.__table__  # type: ignore[assignment]


Member = tuple[str, str, str]
"""``(platform, community_id, user_id)``"""
Community = tuple[str, str]


@dataclass
class _Reads:
    known: dict[Member, Newcomer | None] = field(default_factory=dict)
    first_waiting: dict[Community, datetime | None] = field(default_factory=dict)
    once: set[str] = field(default_factory=set)


_PENDING: weakref.WeakKeyDictionary[SqlTransaction, dict[Member, Newcomer]] = (
    weakref.WeakKeyDictionary()
)
"""Newcomers added in a transaction but not written yet."""


def _values(newcomer: Newcomer) -> dict[str, Any]:
    return {
        "platform": newcomer.platform,
        "community_id": newcomer.community_id,
        "user_id": newcomer.user_id,
        "display_name": newcomer.display_name[:256],
        "bot": newcomer.bot,
        "channel_id": newcomer.channel_id,
        "thread_id": newcomer.thread_id,
        "joined_at": newcomer.joined_at,
        "waiting": newcomer.waiting,
        "greeted_at": newcomer.greeted_at,
        "gate": newcomer.gate.value if newcomer.gate else None,
        "gate_due": newcomer.gate_due,
        "decided_at": newcomer.decided_at,
    }


_KEYS = ("platform", "community_id", "user_id")


def _newcomer(row: Any) -> Newcomer:
    return Newcomer(
        platform=row.platform,
        community_id=row.community_id,
        user_id=row.user_id,
        display_name=row.display_name,
        bot=row.bot,
        channel_id=row.channel_id,
        thread_id=row.thread_id,
        joined_at=row.joined_at,
        waiting=row.waiting,
        greeted_at=row.greeted_at,
        gate=GateStatus(row.gate) if row.gate else None,
        gate_due=row.gate_due,
        decided_at=row.decided_at,
    )


class SqlOnboardingStore(OnboardingPersonalData):
    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    def _member(self, platform: str, community_id: str, user_id: str) -> list[Any]:
        return [
            _newcomers.c.platform == platform,
            _newcomers.c.community_id == community_id,
            _newcomers.c.user_id == user_id,
        ]

    def _reads(self) -> _Reads:
        reads = self.tx.memo.get("onboarding.reads")
        if not isinstance(reads, _Reads):
            reads = self.tx.memo["onboarding.reads"] = _Reads()
        return reads

    def _newcomer_upsert(self) -> Any:
        upsert = self.tx.store._insert(_newcomers)
        return upsert.on_conflict_do_update(
            index_elements=[_newcomers.c[key] for key in _KEYS],
            set_={
                column.name: upsert.excluded[column.name]
                for column in _newcomers.c
                if column.name not in _KEYS
            },
        )

    async def flush(self) -> None:
        """Write the newcomers :meth:`add_later` kept: one multi-row upsert."""
        pending = _PENDING.pop(self.tx, None)
        if pending:
            rows = [_values(newcomer) for newcomer in pending.values()]
            await self.tx.connection.execute(self._newcomer_upsert(), rows)

    async def preload(self, joining: Mapping[Community, Collection[str]]) -> None:
        reads = self._reads()
        pending = _PENDING.get(self.tx, {})
        for (platform, community_id), users in joining.items():
            wanted = [
                user
                for user in users
                if (platform, community_id, user) not in reads.known
                and (platform, community_id, user) not in pending
            ]
            if wanted:
                rows = await self.tx.connection.execute(
                    select(_newcomers).where(
                        _newcomers.c.platform == platform,
                        _newcomers.c.community_id == community_id,
                        _newcomers.c.user_id.in_(sorted(set(wanted))),
                    )
                )
                for user in wanted:
                    reads.known[(platform, community_id, user)] = None
                for row in rows:
                    reads.known[(platform, community_id, row.user_id)] = _newcomer(row)
            await self.first_waiting(platform, community_id)

    async def newcomer(self, platform: str, community_id: str, user_id: str) -> Newcomer | None:
        key = (platform, community_id, user_id)
        pending = _PENDING.get(self.tx)
        if pending is not None and key in pending:
            return pending[key]
        reads = self._reads()
        if key in reads.known:
            return reads.known[key]
        row = (
            await self.tx.connection.execute(
                select(_newcomers).where(*self._member(platform, community_id, user_id))
            )
        ).first()
        return _newcomer(row) if row is not None else None

    async def add(self, newcomer: Newcomer) -> None:
        await self.flush()
        self._forget(newcomer)
        await self.tx.execute(self._newcomer_upsert().values(_values(newcomer)))
        self._noted(newcomer)

    async def add_later(self, newcomer: Newcomer) -> None:
        """Like :meth:`add`, written at the end of the chunk (or before the next read or
        change of newcomers): for the last step of a handler, nothing failing after it."""
        if self.tx.memo.get("onboarding.reads") is None:
            await self.flush()  # the reads were dropped: the database must be whole again
        _PENDING.setdefault(self.tx, {})[
            (newcomer.platform, newcomer.community_id, newcomer.user_id)
        ] = newcomer
        self._noted(newcomer)

    def _noted(self, newcomer: Newcomer) -> None:
        reads = self._reads()
        reads.known[(newcomer.platform, newcomer.community_id, newcomer.user_id)] = newcomer
        community = (newcomer.platform, newcomer.community_id)
        if newcomer.waiting and community in reads.first_waiting:
            since = reads.first_waiting[community]
            if since is None or newcomer.joined_at < since:
                reads.first_waiting[community] = newcomer.joined_at

    def _forget(self, newcomer: Newcomer) -> None:
        """Reads about this member's community that a direct write may change."""
        reads = self._reads()
        reads.known.pop((newcomer.platform, newcomer.community_id, newcomer.user_id), None)
        reads.first_waiting.pop((newcomer.platform, newcomer.community_id), None)

    def once(self, key: str) -> bool:
        """True the first time ``key`` is asked in this transaction (a job scheduled once
        per chunk of joins, not once per join)."""
        reads = self._reads()
        if key in reads.once:
            return False
        reads.once.add(key)
        return True

    async def remove(self, platform: str, community_id: str, user_id: str) -> Newcomer | None:
        await self.flush()
        self.tx.memo.pop("onboarding.reads", None)
        known = await self.newcomer(platform, community_id, user_id)
        if known is not None:
            await self.tx.execute(
                delete(_newcomers).where(*self._member(platform, community_id, user_id))
            )
        return known

    async def waiting(self, platform: str, community_id: str) -> list[Newcomer]:
        await self.flush()
        rows = await self.tx.connection.execute(
            select(_newcomers)
            .where(
                _newcomers.c.platform == platform,
                _newcomers.c.community_id == community_id,
                _newcomers.c.waiting.is_(True),
            )
            .order_by(_newcomers.c.joined_at, _newcomers.c.user_id)
        )
        return [_newcomer(row) for row in rows]

    async def first_waiting(self, platform: str, community_id: str) -> datetime | None:
        reads = self._reads()
        community = (platform, community_id)
        if community in reads.first_waiting:
            return reads.first_waiting[community]
        await self.flush()
        joined: datetime | None = await self.tx.connection.scalar(
            select(_newcomers.c.joined_at)
            .where(
                _newcomers.c.platform == platform,
                _newcomers.c.community_id == community_id,
                _newcomers.c.waiting.is_(True),
            )
            .order_by(_newcomers.c.joined_at)
            .limit(1)
        )
        self._reads().first_waiting[community] = joined
        return joined

    async def greeted(
        self, platform: str, community_id: str, user_ids: Sequence[str], at: datetime
    ) -> None:
        if not user_ids:
            return
        await self.flush()
        self.tx.memo.pop("onboarding.reads", None)
        await self.tx.execute(
            update(_newcomers)
            .where(
                _newcomers.c.platform == platform,
                _newcomers.c.community_id == community_id,
                _newcomers.c.user_id.in_(list(user_ids)),
            )
            .values(waiting=False, greeted_at=at)
        )

    async def decide(
        self, platform: str, community_id: str, user_id: str, status: GateStatus, at: datetime
    ) -> bool:
        await self.flush()
        self.tx.memo.pop("onboarding.reads", None)
        result = await self.tx.execute(
            update(_newcomers)
            .where(
                *self._member(platform, community_id, user_id),
                _newcomers.c.gate == GateStatus.PENDING.value,
            )
            .values(gate=status.value, decided_at=at)
        )
        return bool(result.rowcount)

    async def pending_gates(
        self, platform: str, community_id: str | None = None, user_id: str | None = None
    ) -> list[Newcomer]:
        await self.flush()
        conditions = [
            _newcomers.c.platform == platform,
            _newcomers.c.gate == GateStatus.PENDING.value,
        ]
        if community_id is not None:
            conditions.append(_newcomers.c.community_id == community_id)
        if user_id is not None:
            conditions.append(_newcomers.c.user_id == user_id)
        rows = await self.tx.connection.execute(
            select(_newcomers).where(*conditions).order_by(_newcomers.c.joined_at)
        )
        return [_newcomer(row) for row in rows]

    async def state(self, platform: str, community_id: str) -> CommunityState:
        row = (
            await self.tx.connection.execute(
                select(_communities).where(
                    _communities.c.platform == platform,
                    _communities.c.community_id == community_id,
                )
            )
        ).first()
        if row is None:
            return CommunityState(platform, community_id)
        return CommunityState(
            platform=platform,
            community_id=community_id,
            greetings=row.greetings,
            last_greeting_bot=row.last_greeting_bot,
            last_greeting_key=row.last_greeting_key,
        )

    async def _upsert(
        self, platform: str, community_id: str, changes: dict[str, Any], at: datetime
    ) -> None:
        values = {"greetings": 0, **changes, "updated_at": at}
        insert = self.tx.store._insert(_communities).values(
            platform=platform, community_id=community_id, **values
        )
        await self.tx.execute(
            insert.on_conflict_do_update(
                index_elements=[_communities.c.platform, _communities.c.community_id],
                set_={**changes, "updated_at": at},
            )
        )

    async def save_greetings(self, state: CommunityState, at: datetime) -> None:
        changes = {
            "greetings": state.greetings,
            "last_greeting_bot": state.last_greeting_bot,
            "last_greeting_key": state.last_greeting_key,
        }
        await self._upsert(state.platform, state.community_id, changes, at)

    async def mark_broken(
        self, platform: str, community_id: str, template: str, at: datetime
    ) -> bool:
        told = await self.tx.connection.scalar(
            select(_communities.c.broken_template).where(
                _communities.c.platform == platform,
                _communities.c.community_id == community_id,
            )
        )
        if told == template:
            return False
        await self._upsert(platform, community_id, {"broken_template": template}, at)
        return True
