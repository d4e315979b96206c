"""Turns at SQLite's writer: completions go before queued pipeline batches."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.support import said
from townsquare.core.capabilities import Capability
from townsquare.core.dispatcher import Dispatcher
from townsquare.core.events import MessagePosted
from townsquare.core.features import BotInfo, Context, Feature, on
from townsquare.core.pipeline import Pipeline
from townsquare.storage.database import create_engine
from townsquare.storage.migrate import upgrade
from townsquare.storage.store import SqlStore
from townsquare.storage.writer import WriterTurns

ALL_CAPABILITIES = frozenset(Capability)


async def _hold(turns: WriterTurns, name: str, order: list[str], *, urgent: bool = False) -> None:
    async with turns.turn(urgent=urgent):
        order.append(name)
        await asyncio.sleep(0)


async def test_an_urgent_writer_waits_only_for_the_transaction_in_progress() -> None:
    turns = WriterTurns()
    order: list[str] = []
    release = asyncio.Event()

    async def current() -> None:
        async with turns.turn():
            order.append("current")
            await release.wait()

    holder = asyncio.create_task(current())
    await asyncio.sleep(0)
    waiters = [asyncio.create_task(_hold(turns, f"batch {n}", order)) for n in range(3)]
    waiters.append(asyncio.create_task(_hold(turns, "completion", order, urgent=True)))
    waiters.append(asyncio.create_task(_hold(turns, "batch 3", order)))
    await asyncio.sleep(0)  # each waiter runs until it queues
    assert turns.waiting == 5
    release.set()
    await asyncio.gather(holder, *waiters)
    assert order == ["current", "completion", "batch 0", "batch 1", "batch 2", "batch 3"]


async def test_a_cancelled_waiter_never_keeps_the_turn() -> None:
    turns = WriterTurns()
    order: list[str] = []
    release = asyncio.Event()

    async def current() -> None:
        async with turns.turn():
            await release.wait()

    holder = asyncio.create_task(current())
    await asyncio.sleep(0)
    gone = asyncio.create_task(_hold(turns, "gone", order, urgent=True))
    later = asyncio.create_task(_hold(turns, "later", order))
    await asyncio.sleep(0)
    assert turns.waiting == 2
    release.set()
    gone.cancel()  # cancelled in the same instant its turn may be handed to it
    await holder
    await asyncio.wait_for(later, 1)
    assert order == ["later"]
    assert gone.cancelled()
    async with turns.turn():  # and the lock is free again
        pass


async def test_a_batch_commits_early_when_a_completion_waits(sqlite_url: str) -> None:
    """A completion recorded while the pipeline holds SQLite's writer is written at the
    batch's next chunk, not after the whole batch: the fewer sends accepted but not yet
    recorded, the fewer a SIGKILL repeats."""
    engine = create_engine(sqlite_url)
    await upgrade(engine)
    store = SqlStore(engine)
    completion: list[asyncio.Future[None]] = []
    seen_done: list[bool] = []

    class Watcher(Feature):
        name = "watcher"

        @on(MessagePosted)
        async def watch(self, event: MessagePosted, ctx: Context) -> None:
            if not completion:  # the worker records a send while this batch runs
                until = datetime.now(UTC) + timedelta(seconds=30)
                completion.append(asyncio.ensure_future(store.renew_outbox({1}, until)))
            seen_done.append(completion[0].done())

    bots = {"mem": BotInfo("mem", "memory", ALL_CAPABILITIES)}
    pipeline = Pipeline(store, Dispatcher([Watcher()], bots=bots), claim_chunk=32)
    try:
        await pipeline.process([said("hello", event_id=f"early-{n}") for n in range(256)])
        assert completion and completion[0].done()
        assert any(seen_done), "the completion waited for the whole batch"
        assert seen_done.index(True) <= 64, "it waited longer than the chunk in progress"
    finally:
        await engine.dispose()
