"""SQL side of :mod:`core.analytics`: deferred counters and the reads of a period.

A chunk's counters are added up in memory per transaction (:data:`_PENDING`) and written
at its end as one multi-row upsert (``counter = counter + excluded.counter``) on SQLite
and PostgreSQL alike; the active people and newcomers as one ``INSERT ... ON CONFLICT DO
NOTHING`` each. A period is read in five statements, whatever its length.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import UTC as _UTC
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, func, select, update

from townsquare.core.analytics.store import COUNTERS, CaseTimes, Counter, Day, Newcomer, Window
from townsquare.storage.analytics_models import (
    AnalyticsActiveRow,
    AnalyticsCaseRow,
    AnalyticsDayRow,
    AnalyticsNewcomerRow,
)
from townsquare.storage.store import SqlTransaction

_days: Table = AnalyticsDayRow.__table__  # type: ignore[assignment]
_active: Table = AnalyticsActiveRow.__table__  # type: ignore[assignment]
_newcomers: Table = AnalyticsNewcomerRow.__table__  # type: ignore[assignment]
_cases: Table = AnalyticsCaseRow.__table__  # type: ignore[assignment]


@dataclass
class _Pending:
    counters: dict[tuple[str, int], dict[str, int]] = field(default_factory=dict)
    active: set[tuple[str, int, int]] = field(default_factory=set)
    joined: dict[tuple[str, int], int] = field(default_factory=dict)


_PENDING: weakref.WeakKeyDictionary[SqlTransaction, _Pending] = weakref.WeakKeyDictionary()
"""Each open transaction's deferred writes (gone with the transaction)."""


class SqlAnalyticsStore:
    """Analytics over one :class:`SqlTransaction`."""

    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    def _pending(self) -> _Pending:
        pending = _PENDING.get(self.tx)
        if pending is None:
            pending = _PENDING[self.tx] = _Pending()
        return pending

    def add(self, scope: str, day: int, counter: Counter, amount: int = 1) -> None:
        counters = self._pending().counters.setdefault((scope, day), {})
        counters[counter] = counters.get(counter, 0) + amount

    def active(self, scope: str, day: int, person: int) -> None:
        self._pending().active.add((scope, day, person))

    def joined(self, scope: str, day: int, person: int) -> None:
        self._pending().joined.setdefault((scope, person), day)

    async def flush(self) -> None:
        pending = _PENDING.pop(self.tx, None)
        if pending is None:
            return
        connection = self.tx.connection  # not tx.execute: outside any feature savepoint
        insert = self.tx.store._insert
        if pending.counters:
            rows = [
                {"scope": scope, "day": day, **{name: counts.get(name, 0) for name in COUNTERS}}
                for (scope, day), counts in sorted(pending.counters.items())
            ]
            upsert = insert(_days)
            upsert = upsert.on_conflict_do_update(
                index_elements=[_days.c.scope, _days.c.day],
                set_={name: _days.c[name] + upsert.excluded[name] for name in COUNTERS},
            )
            await connection.execute(upsert, rows)
        if pending.active:
            await connection.execute(
                insert(_active).on_conflict_do_nothing(),
                [
                    {"scope": scope, "day": day, "person": person}
                    for scope, day, person in sorted(pending.active)
                ],
            )
        if pending.joined:
            await connection.execute(
                insert(_newcomers).on_conflict_do_nothing(),
                [
                    {"scope": scope, "person": person, "day": day}
                    for (scope, person), day in sorted(pending.joined.items())
                ],
            )

    async def case_opened(self, scope: str, case_id: int, at: datetime) -> None:
        await self.tx.execute(
            self.tx.store._insert(_cases)
            .values(scope=scope, case_id=case_id, opened_at=at)
            .on_conflict_do_nothing()
        )

    async def case_moved(
        self,
        case_id: int,
        *,
        claimed_at: datetime | None = None,
        resolved_at: datetime | None = None,
    ) -> None:
        for column, at in (("claimed_at", claimed_at), ("resolved_at", resolved_at)):
            if at is not None:
                await self.tx.execute(
                    update(_cases)
                    .where(_cases.c.case_id == case_id, _cases.c[column].is_(None))
                    .values({column: at})
                )

    async def window(self, scope: str, first: int, last: int) -> Window:
        connection = self.tx.connection
        in_period = and_(_active.c.scope == scope, _active.c.day.between(first, last))
        daily = {
            row.day: row.n
            for row in await connection.execute(
                select(_active.c.day, func.count().label("n"))
                .where(in_period)
                .group_by(_active.c.day)
            )
        }
        counted = await connection.execute(
            select(_days).where(_days.c.scope == scope, _days.c.day.between(first, last))
        )
        by_day: dict[int, Day] = {
            row.day: Day(row.day, daily.get(row.day, 0), *(getattr(row, n) for n in COUNTERS))
            for row in counted
        }
        for day, n in daily.items():
            by_day.setdefault(day, Day(day, n))
        distinct = await connection.execute(
            select(
                *(
                    func.count(func.distinct(_active.c.person))
                    .filter(_active.c.day >= since)
                    .label(label)
                    for label, since in (
                        ("active", first),
                        ("wau", max(first, last - 6)),
                        ("mau", max(first, last - 29)),
                    )
                )
            ).where(in_period)
        )
        counts = distinct.one()
        return Window(
            first=first,
            last=last,
            days=tuple(by_day[day] for day in sorted(by_day)),
            active=counts.active,
            wau=counts.wau,
            mau=counts.mau,
            newcomers=await self._newcomers(connection, scope, first, last),
            cases=await self._cases(connection, scope, first, last),
        )

    async def _newcomers(
        self, connection: Any, scope: str, first: int, last: int
    ) -> tuple[Newcomer, ...]:
        later = _active.alias("later")
        rows = await connection.execute(
            select(_newcomers.c.person, _newcomers.c.day, later.c.day.label("seen"))
            .outerjoin(
                later,
                and_(
                    later.c.scope == _newcomers.c.scope,
                    later.c.person == _newcomers.c.person,
                    later.c.day.between(_newcomers.c.day + 7, _newcomers.c.day + 34),
                ),
            )
            .where(_newcomers.c.scope == scope, _newcomers.c.day.between(first, last))
        )
        found: dict[int, tuple[int, set[int]]] = {}
        for row in rows:
            _day, seen = found.setdefault(row.person, (row.day, set()))
            if row.seen is not None:
                seen.add(row.seen - row.day)
        return tuple(
            Newcomer(day, frozenset(seen)) for day, seen in sorted(found.values(), key=_first)
        )

    async def _cases(
        self, connection: Any, scope: str, first: int, last: int
    ) -> tuple[CaseTimes, ...]:
        start = datetime.fromordinal(first).replace(tzinfo=_UTC)
        end = datetime.fromordinal(last + 1).replace(tzinfo=_UTC)
        rows = await connection.execute(
            select(_cases.c.opened_at, _cases.c.claimed_at, _cases.c.resolved_at).where(
                _cases.c.scope == scope, _cases.c.opened_at >= start, _cases.c.opened_at < end
            )
        )
        return tuple(CaseTimes(row.opened_at, row.claimed_at, row.resolved_at) for row in rows)


def _first(item: tuple[int, set[int]]) -> int:
    return item[0]
