"""SQL side of :mod:`core.rewards`: wallets read ahead per chunk, written per chunk.

A chunk of ordinary messages costs one statement to read its authors' wallets
(:meth:`SqlRewardsStore.preload`, for the persons the people directory gave them: this
store reads no other feature's tables); most messages are in their cooldown and that is
all they cost. On PostgreSQL that read is ``FOR UPDATE``, so that two processes never
both grant in one cooldown. What they earn is written at the chunk's end (:meth:`flush`)
in one multi-row upsert, which applies only where the stored cooldown has ended, so
even a wallet created at the same instant by two processes earns once. The leaderboards
of the week and the month read counters kept in the wallet, so a message writes nothing
but its wallet. The statements of every chunk are built once: building and keying one
anew cost about as much as running it.

As in :mod:`storage.polls`, the reads live in the transaction's memo (emptied when a
feature scope fails) and the pending writes apart, per transaction, written before the
wallets are read from the database again; pending values win over what is read.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, case, delete, func, or_, select, update

from townsquare.core.rewards.rules import Period, month_number, week_number
from townsquare.core.rewards.store import LedgerEntry, Standing, Wallet
from townsquare.storage.rewards_models import (
    RewardsCommunityRow,
    RewardsLedgerRow,
    RewardsThanksRow,
    RewardsWalletRow,
)
from townsquare.storage.rewards_privacy import RewardsPersonalData
from townsquare.storage.rewards_rows import COLUMNS, ROW, row_of, values_of, wallet_of
from townsquare.storage.store import SqlTransaction

_wallets: Table = RewardsWalletRow.__table__  # type: ignore[assignment]
_ledger: Table = RewardsLedgerRow.__table__  # type: ignore[assignment]
_thanks: Table = RewardsThanksRow.__table__  # type: ignore[assignment]
_communities: Table = RewardsCommunityRow.__table__  # type: ignore[assignment]

Key = tuple[str, int]
"""``(scope, person_id)``"""
_KEY = ("person_id", "scope")


_WALLETS = select(*(_wallets.c[name] for name in COLUMNS)).where(
    _wallets.c.person_id.in_(bindparam("persons", expanding=True))
)
_LOCKED = _WALLETS.order_by(_wallets.c.person_id, _wallets.c.scope).with_for_update()


@dataclass
class _Reads:
    """What this transaction knows (lives in the memo)."""

    wallets: dict[int, dict[str, Wallet]] = field(default_factory=dict)
    """Person -> scope -> wallet."""
    persons: set[int] = field(default_factory=set)
    """Persons whose wallets in every scope are in :attr:`wallets` (absent: none)."""
    locked: set[int] = field(default_factory=set)

    def put(self, wallet: Wallet) -> None:
        self.wallets.setdefault(wallet.person_id, {})[wallet.scope] = wallet


@dataclass
class _Pending:
    grants: dict[Key, tuple[Wallet, datetime]] = field(default_factory=dict)
    misses: dict[Key, tuple[Wallet, datetime]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.grants or self.misses)


_PENDING: weakref.WeakKeyDictionary[SqlTransaction, _Pending] = weakref.WeakKeyDictionary()
_UPSERTS: dict[tuple[str, str], Any] = {}
_COMPILED: dict[tuple[str, str], str] = {}
"""The upserts' SQL per dialect and kind ("" where its parameters come in another order)."""


class SqlRewardsStore(RewardsPersonalData):
    """Rewards over one :class:`SqlTransaction`."""

    MEMO = "rewards.reads"

    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    # -- what this transaction knows --------------------------------------------------------

    async def _reads(self) -> _Reads:
        reads = self.tx.memo.get(self.MEMO)
        if reads is None:
            await self.flush()
            reads = self.tx.memo[self.MEMO] = _Reads()
        assert isinstance(reads, _Reads)
        return reads

    def _pending(self) -> _Pending:
        found = _PENDING.get(self.tx)
        if found is None:
            found = _PENDING[self.tx] = _Pending()
        return found

    async def _read(self, reads: _Reads, persons: Iterable[int], *, lock: bool = False) -> None:
        """Read the wallets of ``persons`` in every scope, keeping what this transaction
        changed."""
        wanted = sorted(set(persons))
        if not wanted:
            return
        pending = _PENDING.get(self.tx)
        changed = set(pending.grants) | set(pending.misses) if pending else set()
        query = _LOCKED if lock else _WALLETS
        put = reads.put
        for row in await self.tx.connection.execute(query, {"persons": wanted}):
            if not changed or (row[1], row[0]) not in changed:
                put(wallet_of(row))
        reads.persons.update(wanted)
        if lock:
            reads.locked.update(wanted)

    async def preload(self, persons: Collection[int]) -> None:
        """One statement for a chunk: the wallets, in every scope, of the persons the
        people directory (:class:`core.persons.PersonDirectory`) gave its authors; where
        other processes may write meanwhile (PostgreSQL), for update."""
        reads = await self._reads()
        if self.tx.exclusive:
            await self._read(reads, set(persons) - reads.persons)
        else:
            await self._read(reads, set(persons) - reads.locked, lock=True)

    def cached(self, scope: str, person_id: int, *, lock: bool = False) -> Wallet | None:
        reads = self.tx.memo.get(self.MEMO)
        if (
            not isinstance(reads, _Reads)
            or person_id not in reads.persons
            or (lock and person_id not in reads.locked and not self.tx.exclusive)
        ):
            return None
        wallets = reads.wallets.get(person_id)
        found = wallets.get(scope) if wallets is not None else None
        return found if found is not None else Wallet(scope, person_id)

    async def wallet(self, scope: str, person_id: int, *, lock: bool = False) -> Wallet:
        reads = await self._reads()
        if lock and not self.tx.exclusive and person_id not in reads.locked:
            await self._read(reads, (person_id,), lock=True)
        elif person_id not in reads.persons:
            await self._read(reads, (person_id,))
        return reads.wallets.get(person_id, {}).get(scope) or Wallet(scope, person_id)

    # -- ordinary messages: kept for the chunk's end ---------------------------------------

    async def earn(self, wallet: Wallet, now: datetime) -> None:
        reads = await self._reads()
        key = (wallet.scope, wallet.person_id)
        pending = self._pending()
        pending.misses.pop(key, None)
        pending.grants[key] = (wallet, now)
        reads.put(wallet)

    async def missed(self, wallet: Wallet, now: datetime) -> None:
        reads = await self._reads()
        key = (wallet.scope, wallet.person_id)
        pending = self._pending()
        granted = pending.grants.get(key)
        if granted is not None:
            pending.grants[key] = (wallet, granted[1])
        else:
            pending.misses[key] = (wallet, now)
        reads.put(wallet)

    async def flush(self) -> None:
        pending = _PENDING.pop(self.tx, None)
        if not pending:
            return
        if pending.grants:
            await self._write("grant", pending.grants.values())
        if pending.misses:
            await self._write("miss", pending.misses.values())

    async def _write(self, kind: str, wallets: Collection[tuple[Wallet, datetime]]) -> None:
        """One upsert of ``wallets``, outside any feature savepoint (as polls do). Its
        rows go to the driver as tuples, compiled once: SQLAlchemy's processing of each
        row's parameters cost more than the database's writing it."""
        connection = self.tx.connection
        compiled = _COMPILED.get((self.tx.store.dialect, kind))
        if compiled is None:
            statement = self._upsert(kind).compile(dialect=connection.dialect)
            in_order = tuple(statement.positiontup or ()) == ROW
            compiled = _COMPILED[(self.tx.store.dialect, kind)] = (
                statement.string if in_order else ""
            )
        if compiled:
            await connection.exec_driver_sql(compiled, [row_of(w, now) for w, now in wallets])
        else:  # a dialect that compiles it otherwise: as SQLAlchemy binds it
            rows = [values_of(wallet, now) for wallet, now in wallets]
            await connection.execute(self._upsert(kind), rows)

    def _upsert(self, kind: str) -> Any:
        """The chunk's upserts, built once per dialect: a grant's applies only where the
        stored cooldown has ended; a miss's changes only the reason."""
        dialect = self.tx.store.dialect
        found = _UPSERTS.get((dialect, kind))
        if found is None:
            statement = self.tx.store._insert(_wallets)
            excluded = statement.excluded
            if kind == "grant":
                found = statement.on_conflict_do_update(
                    index_elements=list(_KEY),
                    set_={c.name: excluded[c.name] for c in _wallets.c if c.name not in _KEY},
                    where=or_(
                        _wallets.c.cooling_until.is_(None),
                        _wallets.c.cooling_until <= excluded.earned_at,
                    ),
                )
            else:
                found = statement.on_conflict_do_update(
                    index_elements=list(_KEY), set_={"miss": excluded.miss}
                )
            _UPSERTS[(dialect, kind)] = found
        return found

    # -- written at once -------------------------------------------------------------------

    async def _store(self, wallet: Wallet, now: datetime) -> None:
        statement = self.tx.store._insert(_wallets).values(values_of(wallet, now))
        columns = {c.name: statement.excluded[c.name] for c in _wallets.c if c.name not in _KEY}
        await self.tx.execute(statement.on_conflict_do_update(index_elements=_KEY, set_=columns))
        reads = await self._reads()
        reads.put(wallet)

    async def adjust(self, wallet: Wallet, delta: int, entry: LedgerEntry, now: datetime) -> bool:
        await self.flush()
        if not await self._record(wallet, delta, entry, now):
            return False
        await self._store(wallet, now)
        return True

    async def reset(self, wallet: Wallet, entry: LedgerEntry, now: datetime) -> None:
        await self.flush()
        before = await self.wallet(wallet.scope, wallet.person_id)
        await self._record(wallet, wallet.xp - before.xp, entry, now)
        await self._store(wallet, now)

    async def _record(self, wallet: Wallet, delta: int, entry: LedgerEntry, now: datetime) -> bool:
        values = {
            "scope": wallet.scope,
            "person_id": wallet.person_id,
            "kind": entry.kind,
            "delta": delta,
            "xp": wallet.xp,
            "by_platform": entry.by_platform,
            "by_user_id": entry.by_user_id,
            "by_name": entry.by_name[:256] if entry.by_name else None,
            "source": entry.source[:200] if entry.source else None,
            "at": now,
        }
        statement = self.tx.store._insert(_ledger).values(values).on_conflict_do_nothing()
        result = await self.tx.execute(statement)
        return bool(result.rowcount)

    async def save(self, wallet: Wallet, now: datetime) -> None:
        await self.flush()
        await self._store(wallet, now)

    async def thank(
        self, scope: str, giver: int, receiver: int, now: datetime, since: datetime
    ) -> bool:
        statement = self.tx.store._insert(_thanks).values(
            scope=scope, giver=giver, receiver=receiver, at=now
        )
        statement = statement.on_conflict_do_update(
            index_elements=["scope", "giver", "receiver"],
            set_={"at": statement.excluded.at},
            where=_thanks.c.at <= since,
        )
        result = await self.tx.execute(statement)
        return bool(result.rowcount)

    # -- leaderboards -----------------------------------------------------------------------

    async def board(
        self, scope: str, period: Period, at: datetime, offset: int, limit: int
    ) -> tuple[list[Standing], int]:
        await self.flush()
        week, month = week_number(at), month_number(at)
        match period:
            case Period.ALL:
                value: Any = _wallets.c.xp
                where: Any = _wallets.c.xp > 0
            case Period.WEEK:
                value, where = (
                    _wallets.c.week_xp,
                    (_wallets.c.week == week) & (_wallets.c.week_xp > 0),
                )
            case Period.MONTH:
                value, where = (
                    _wallets.c.month_xp,
                    (_wallets.c.month == month) & (_wallets.c.month_xp > 0),
                )
            case Period.LAST_WEEK:
                before = week_number(at - _WEEK)
                value = case(
                    (_wallets.c.week == week, _wallets.c.last_week_xp),
                    (_wallets.c.week == before, _wallets.c.week_xp),
                    else_=0,
                )
                where = value > 0
        query = (
            select(
                _wallets.c.person_id,
                value.label("total"),
                _wallets.c.display_name,
                _wallets.c.level,
                func.count().over().label("members"),
            )
            .where(_wallets.c.scope == scope, where)
            .order_by(value.desc(), _wallets.c.person_id)
            .offset(offset)
            .limit(limit)
        )
        rows = list(await self.tx.connection.execute(query))
        if rows:
            members = int(rows[0].members)
        else:
            members = int(
                await self.tx.connection.scalar(
                    select(func.count()).where(_wallets.c.scope == scope, where)
                )
                or 0
            )
        standings = [
            Standing(row.person_id, int(row.total), row.display_name, row.level) for row in rows
        ]
        return standings, members

    async def position(self, scope: str, xp: int) -> tuple[int, int]:
        await self.flush()
        ahead = func.sum(case((_wallets.c.xp > xp, 1), else_=0))
        members = func.sum(case((_wallets.c.xp > 0, 1), else_=0))
        row = (
            await self.tx.connection.execute(
                select(ahead.label("ahead"), members.label("members")).where(
                    _wallets.c.scope == scope
                )
            )
        ).one()
        return int(row.ahead or 0) + 1, int(row.members or 0)

    async def by_handle(self, scope: str, handle: str) -> Wallet | None:
        await self.flush()
        row = (
            await self.tx.connection.execute(
                select(*(_wallets.c[name] for name in COLUMNS))
                .where(_wallets.c.scope == scope, func.lower(_wallets.c.username) == handle)
                .order_by(_wallets.c.earned_at.desc())
                .limit(1)
            )
        ).first()
        return wallet_of(row) if row is not None else None

    # -- communities and their weekly post ---------------------------------------------------

    async def register(
        self, platform: str, community_id: str, channel_id: str, now: datetime
    ) -> bool:
        statement = self.tx.store._insert(_communities).values(
            platform=platform,
            community_id=community_id,
            channel_id=channel_id[:128],
            last_week=None,
            created_at=now,
        )
        result = await self.tx.execute(statement.on_conflict_do_nothing())
        return bool(result.rowcount)

    async def community_channel(self, platform: str, community_id: str) -> str | None:
        found = await self.tx.connection.scalar(
            select(_communities.c.channel_id).where(
                _communities.c.platform == platform, _communities.c.community_id == community_id
            )
        )
        return str(found) if found is not None else None

    async def weekly_due(self, platform: str, community_id: str, week: int) -> bool:
        result = await self.tx.execute(
            update(_communities)
            .where(
                _communities.c.platform == platform,
                _communities.c.community_id == community_id,
                or_(_communities.c.last_week.is_(None), _communities.c.last_week < week),
            )
            .values(last_week=week)
        )
        return bool(result.rowcount)

    # -- linked persons ---------------------------------------------------------------------

    async def fold(self, keep: int, merged: int, now: datetime) -> list[Wallet]:
        await self.flush()
        reads = await self._reads()
        await self._read(reads, (keep, merged), lock=not self.tx.exclusive)
        theirs = list(reads.wallets.pop(merged, {}).values())
        joined: list[Wallet] = []
        for old in theirs:
            mine = reads.wallets.get(keep, {}).get(old.scope)
            wallet = (
                replace(old, person_id=keep)
                if mine is None
                else replace(
                    mine,
                    xp=mine.xp + old.xp,
                    level=max(mine.level, old.level),
                    reputation=mine.reputation + old.reputation,
                    next_xp_at=_latest(mine.next_xp_at, old.next_xp_at),
                    periods=mine.periods.joined(old.periods, now),
                    synced={**old.synced, **mine.synced},
                )
            )
            await self._store(wallet, now)
            joined.append(wallet)
        if theirs:
            await self.tx.execute(delete(_wallets).where(_wallets.c.person_id == merged))
        return joined


def _latest(*times: datetime | None) -> datetime | None:
    return max((t for t in times if t is not None), default=None)


_WEEK = timedelta(days=7)
