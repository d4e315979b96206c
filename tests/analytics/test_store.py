"""The store's rollup against brute force: active rows written in any order, across
chunks and late, give the distinct people of any period and each day's count exactly,
on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from typing import Any

from townsquare.storage.analytics import SqlAnalyticsStore
from townsquare.storage.store import SqlStore


async def test_distinct_people_of_any_period_match_brute_force(migrated_engine: Any) -> None:
    rng = random.Random(140)
    store = SqlStore(migrated_engine)
    seen: set[tuple[int, int]] = set()
    for _chunk in range(25):
        async with store.transaction() as tx:
            analytics = SqlAnalyticsStore(tx)
            for _row in range(rng.randint(1, 30)):
                # Mostly recent days, some late ones far back, people from a small pool.
                day = rng.randint(1, 60) if rng.random() < 0.2 else rng.randint(40, 60)
                person = rng.randint(1, 25)
                analytics.active("s", day, person)
                analytics.active("other", day, person + 100)
                seen.add((day, person))
            await analytics.flush()
    async with store.transaction() as tx:
        analytics = SqlAnalyticsStore(tx)
        for first, last in ((1, 60), (40, 60), (50, 55), (3, 9), (58, 58), (20, 44)):
            window = await analytics.window("s", first, last)

            def people(since: int, first: int = first, last: int = last) -> int:
                return len({p for d, p in seen if max(first, since) <= d <= last})

            assert (window.active, window.wau, window.mau) == (
                people(first),
                people(last - 6),
                people(last - 29),
            ), (first, last)
            daily = {day.day: day.active for day in window.days}
            for day in range(first, last + 1):
                assert daily.get(day, 0) == sum(1 for d, _p in seen if d == day), day
