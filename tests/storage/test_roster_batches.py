"""Joins reach the roster in one statement per chunk, and nothing of that costs
correctness: roster reads in the same transaction see them, a failing feature scope drops
only its own join, and rows written inside a scope that then fails are written again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from townsquare.core.refs import Actor, CommunityRef
from townsquare.storage.models import Member
from townsquare.storage.store import SqlStore

COMMUNITY = CommunityRef("memory", "c1", title="Test Square")
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def actor(name: str) -> Actor:
    return Actor(user_id=name.lower(), display_name=name)


async def stored(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(Member)) or 0)


async def test_a_chunk_of_joins_is_one_statement_and_reads_see_it(
    migrated_engine: AsyncEngine,
) -> None:
    store = SqlStore(migrated_engine)
    inserts: list[str] = []

    def seen(_conn: object, _cursor: object, text: str, *_args: object) -> None:
        if text.startswith("INSERT INTO members"):
            inserts.append(text)

    event.listen(migrated_engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with store.transaction() as tx:
            for n in range(32):
                async with tx.feature_scope():
                    await tx.member_joined(COMMUNITY, actor(f"Member{n}"), NOW)
            assert await tx.member_count(COMMUNITY) == 32, "a read sees the kept joins"
            await tx.flush()
    finally:
        event.remove(migrated_engine.sync_engine, "before_cursor_execute", seen)
    assert len(inserts) == 1
    assert await stored(migrated_engine) == 32


async def test_a_failing_scope_keeps_the_others_joins_and_drops_its_own(
    migrated_engine: AsyncEngine,
) -> None:
    store = SqlStore(migrated_engine)
    async with store.transaction() as tx:
        async with tx.feature_scope():
            await tx.member_joined(COMMUNITY, actor("Alice"), NOW)
        with pytest.raises(RuntimeError):
            async with tx.feature_scope():
                await tx.set_setting(COMMUNITY, "locale", "it", NOW)  # opens its savepoint
                await tx.member_joined(COMMUNITY, actor("Bob"), NOW)
                assert await tx.member_count(COMMUNITY) == 2  # written inside the savepoint
                raise RuntimeError("the feature fails after the roster was written")
        assert await tx.member_count(COMMUNITY) == 1, "Alice written again, Bob dropped"
        await tx.flush()
    assert await stored(migrated_engine) == 1
