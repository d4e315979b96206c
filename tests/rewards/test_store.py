"""The rewards SQL store on SQLite and PostgreSQL: a grant applies only once the stored
cooldown has ended (two transactions, or two processes, granting at once earn once), the
leaderboards of each period, linked persons' wallets added up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import migrate
from townsquare.core.rewards.rules import Period, Periods
from townsquare.core.rewards.store import Wallet
from townsquare.storage.database import create_engine
from townsquare.storage.rewards import SqlRewardsStore
from townsquare.storage.store import SqlStore

NOW = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)  # a Wednesday; a week ago is December too
SCOPE = "telegram:-100"


async def grant(rewards: SqlRewardsStore, wallet: Wallet, at: datetime) -> None:
    """What a message that earned leaves, written as a chunk's end writes it."""
    await rewards.earn(wallet, at)
    await rewards.flush()


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    await migrate(database_url)
    engine = create_engine(database_url)
    yield SqlStore(engine)
    await engine.dispose()


def earned(person: int, xp: int, at: datetime, name: str = "") -> Wallet:
    return Wallet(
        SCOPE,
        person,
        xp=xp,
        next_xp_at=at + timedelta(seconds=60),
        periods=Periods().add(xp, at),
        display_name=name or f"m{person}",
    )


async def test_a_grant_applies_only_after_the_stored_cooldown(store: SqlStore) -> None:
    async with store.transaction() as tx:
        await grant(SqlRewardsStore(tx), earned(1, 20, NOW), NOW)
    # Another process read the wallet before that grant committed and grants too, ten
    # seconds later, as if it had never earned: the stored cooldown refuses it.
    async with store.transaction() as tx:
        await grant(SqlRewardsStore(tx), earned(1, 25, NOW), NOW + timedelta(seconds=10))
    async with store.transaction() as tx:
        rewards = SqlRewardsStore(tx)
        assert (await rewards.wallet(SCOPE, 1)).xp == 20
        later = NOW + timedelta(seconds=61)
        wallet = await rewards.wallet(SCOPE, 1)
        await grant(
            rewards, replace(wallet, xp=45, next_xp_at=later + timedelta(seconds=60)), later
        )
    async with store.transaction() as tx:
        assert (await SqlRewardsStore(tx).wallet(SCOPE, 1)).xp == 45


async def test_the_leaderboards_of_each_period(store: SqlStore) -> None:
    last_week = NOW - timedelta(days=7)
    async with store.transaction() as tx:
        rewards = SqlRewardsStore(tx)
        await rewards.earn(earned(1, 300, last_week, "old"), last_week)  # last week only
        await rewards.earn(earned(2, 50, NOW, "new"), NOW)
        both = replace(earned(3, 80, last_week, "both"), periods=Periods().add(80, last_week))
        await grant(rewards, replace(both, xp=100, periods=both.periods.add(20, NOW)), NOW)
    async with store.transaction() as tx:
        rewards = SqlRewardsStore(tx)

        async def names(period: Period, at: datetime = NOW) -> list[tuple[str, int]]:
            standings, _members = await rewards.board(SCOPE, period, at, 0, 10)
            return [(s.display_name, s.xp) for s in standings]

        assert await names(Period.ALL) == [("old", 300), ("both", 100), ("new", 50)]
        assert await names(Period.WEEK) == [("new", 50), ("both", 20)]
        assert await names(Period.MONTH) == [("old", 300), ("both", 100), ("new", 50)]
        monday = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
        assert await names(Period.LAST_WEEK, monday) == [("new", 50), ("both", 20)]
        assert await names(Period.LAST_WEEK) == [("old", 300), ("both", 80)]
        page, members = await rewards.board(SCOPE, Period.ALL, NOW, 10, 10)
        assert page == [] and members == 3
        assert await rewards.position(SCOPE, 100) == (2, 3)


async def test_linked_persons_have_one_wallet(store: SqlStore) -> None:
    async with store.transaction() as tx:
        rewards = SqlRewardsStore(tx)
        await rewards.earn(replace(earned(1, 40, NOW), reputation=2), NOW)
        await rewards.earn(replace(earned(2, 60, NOW), reputation=3), NOW)
        await grant(rewards, replace(earned(2, 10, NOW), scope="space:elsewhere"), NOW)
    async with store.transaction() as tx:
        await SqlRewardsStore(tx).fold(1, 2, NOW)
    async with store.transaction() as tx:
        rewards = SqlRewardsStore(tx)
        joined = await rewards.wallet(SCOPE, 1)
        assert (joined.xp, joined.reputation, joined.periods.week_xp) == (100, 5, 100)
        assert (await rewards.wallet("space:elsewhere", 1)).xp == 10
        assert (await rewards.wallet(SCOPE, 2)).xp == 0


async def test_a_chunk_writes_and_reads_back_every_field(store: SqlStore) -> None:
    """What a chunk's upserts write (grants and misses, as rows handed to the driver)
    reads back as it was, role levels and unnamed fields included."""
    full = replace(
        earned(4, 120, NOW, "Zoë «the» Doe"),
        level=1,
        reputation=3,
        digest="0123456789abcdef",
        platform="discord",
        user_id="u4",
        username="zoe",
        synced={"discord:1#abc123": 1, "slack:T1#def456": 0},
    )
    bare = earned(5, 20, NOW)
    async with store.transaction() as tx:
        rewards = SqlRewardsStore(tx)
        await rewards.earn(full, NOW)
        await rewards.earn(bare, NOW)
        await rewards.flush()
    async with store.transaction() as tx:
        rewards = SqlRewardsStore(tx)
        assert await rewards.wallet(SCOPE, 4) == full
        assert await rewards.wallet(SCOPE, 5) == bare
        await rewards.missed(replace(full, miss="too_short"), NOW)
        await rewards.flush()
    async with store.transaction() as tx:
        assert await SqlRewardsStore(tx).wallet(SCOPE, 4) == replace(full, miss="too_short")
