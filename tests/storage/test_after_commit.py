"""In-memory caches change only after commit: ``Context.after_commit`` callbacks run once
the event's transaction committed, never for a feature scope that failed or a
transaction that rolled back (a retried batch)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support import said
from townsquare.core.capabilities import Capability
from townsquare.core.dispatcher import Dispatcher
from townsquare.core.events import MessagePosted
from townsquare.core.features import BotInfo, Context, Feature, on
from townsquare.core.pipeline import Pipeline
from townsquare.storage.database import create_engine
from townsquare.storage.migrate import upgrade
from townsquare.storage.store import SqlStore
from townsquare.storage.tables import processed

BOTS = {"mem": BotInfo("mem", "memory", frozenset(Capability))}


async def test_callbacks_run_after_commit_and_never_for_a_failed_scope(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    await upgrade(engine)
    store = SqlStore(engine)
    ran: list[tuple[str, bool]] = []

    async def committed(event_id: str) -> bool:
        async with engine.connect() as other:
            found = await other.scalar(
                select(processed.c.event_id).where(processed.c.event_id == event_id)
            )
        return found is not None

    pending: list[str] = []

    class Caching(Feature):
        name = "caching"

        @on(MessagePosted)
        async def cache(self, event: MessagePosted, ctx: Context) -> None:
            ctx.after_commit(lambda: pending.append(event.event_id))
            if event.text == "fail":
                raise RuntimeError("the handler fails after registering")

    pipeline = Pipeline(store, Dispatcher([Caching()], bots=BOTS))
    try:
        await pipeline.process([said("ok", event_id="ac-ok"), said("fail", event_id="ac-fail")])
        for event_id in pending:
            ran.append((event_id, await committed(event_id)))
        assert ran == [("ac-ok", True)], "only the scope that succeeded, once committed"
    finally:
        await engine.dispose()


async def test_callbacks_of_a_rolled_back_transaction_never_run(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    await upgrade(engine)
    store = SqlStore(engine)
    ran: list[str] = []
    try:
        with pytest.raises(RuntimeError):
            async with store.transaction() as tx:
                tx.after_commit(lambda: ran.append("rolled back"))
                raise RuntimeError("the batch fails; the pipeline will retry it")
        async with store.transaction() as tx:
            tx.after_commit(lambda: ran.append("committed"))
            assert ran == [], "not before the commit"
        assert ran == ["committed"]
    finally:
        await engine.dispose()
