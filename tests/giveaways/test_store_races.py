"""The store's guards under racing transactions (two processes on one PostgreSQL, or the
SQLite writer's turns): one entry per person, one draw per giveaway."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from townsquare.core.giveaways.draw import Round
from townsquare.core.giveaways.rules import Requirements
from townsquare.core.giveaways.store import Entry
from townsquare.storage.database import create_engine
from townsquare.storage.giveaways import SqlGiveawayStore
from townsquare.storage.migrate import upgrade
from townsquare.storage.store import SqlStore

NOW = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)


@pytest.fixture
async def stores(database_url: str) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    """Two stores on separate engines: two processes' worth of connections."""
    engines = [create_engine(database_url), create_engine(database_url)]
    await upgrade(engines[0])
    yield SqlStore(engines[0]), SqlStore(engines[1])
    for engine in engines:
        await engine.dispose()


async def _giveaway(store: SqlStore) -> int:
    async with store.transaction() as tx:
        created = await SqlGiveawayStore(tx).create(
            platform="memory",
            bot="mem",
            community_id="c1",
            channel_id="general",
            thread_id=None,
            prize="Mug",
            winners=1,
            requirements=Requirements(),
            ends_at=NOW + timedelta(days=1),
            seed="ab" * 32,
            seed_hash="cd" * 32,
            created_by="alice",
            now=NOW,
        )
    return created.id


async def test_one_person_pressing_on_two_platforms_at_once_enters_once(
    stores: tuple[SqlStore, SqlStore],
) -> None:
    giveaway = await _giveaway(stores[0])
    gate = asyncio.Event()

    async def press(store: SqlStore, platform: str, user: str) -> bool:
        async with store.transaction() as tx:
            await gate.wait()
            entry = Entry("p7", platform, "mem", user, user)
            return await SqlGiveawayStore(tx).enter(giveaway, entry, ["p3"], NOW)

    racing = [
        asyncio.create_task(press(stores[0], "telegram", "1")),
        asyncio.create_task(press(stores[1], "slack", "U1")),
    ]
    await asyncio.sleep(0)
    gate.set()
    assert sorted(await asyncio.gather(*racing)) == [False, True]
    async with stores[0].transaction() as tx:
        store = SqlGiveawayStore(tx)
        assert await store.entry_count(giveaway) == 1
        # a person whose merged-in old id (p7) entered is refused under their new one
        assert not await store.enter(giveaway, Entry("p9", "discord", "dc", "9", "x"), ["p7"], NOW)


async def test_two_draws_racing_draw_once(stores: tuple[SqlStore, SqlStore]) -> None:
    giveaway = await _giveaway(stores[0])
    gate = asyncio.Event()

    async def draw(store: SqlStore) -> bool:
        async with store.transaction() as tx:
            await gate.wait()
            found = SqlGiveawayStore(tx)
            if not await found.mark_drawn(giveaway, NOW):
                return False
            return await found.add_round(giveaway, Round(1, 1, ("p1",)), NOW, None)

    racing = [asyncio.create_task(draw(store)) for store in stores]
    await asyncio.sleep(0)
    gate.set()
    assert sorted(await asyncio.gather(*racing)) == [False, True]
    async with stores[1].transaction() as tx:
        assert await SqlGiveawayStore(tx).rounds(giveaway) == [Round(1, 1, ("p1",))]
