"""Several processes on one PostgreSQL database: each job fires once, each row is sent once.

Two runtimes' worth of machinery (separate engines, stores, pipelines) stand in for two
processes; they race on the same rows.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from tests.support import ALL_CAPABILITIES, MemoryAdapter
from townsquare.core.actions import SendMessage
from townsquare.core.delivery import DeliveryWorker
from townsquare.core.dispatcher import Dispatcher
from townsquare.core.events import JobDue
from townsquare.core.features import BotInfo, Context, Feature, job
from townsquare.core.pipeline import Pipeline
from townsquare.core.refs import ChannelRef
from townsquare.core.scheduler import Scheduler
from townsquare.core.text import as_text
from townsquare.storage.database import create_engine
from townsquare.storage.migrate import upgrade
from townsquare.storage.store import SqlStore

JOBS = 40


class Counting(Feature):
    name = "counting"

    def __init__(self, fired: Counter[int]) -> None:
        self.fired = fired

    @job("tick")
    async def tick(self, event: JobDue, ctx: Context) -> None:
        self.fired[event.job_id] += 1


async def test_each_job_fires_once_across_processes(postgres_url: str) -> None:
    setup = create_engine(postgres_url)
    await upgrade(setup)
    now = datetime.now(UTC)
    async with SqlStore(setup).transaction() as tx:
        for n in range(JOBS):
            await tx.schedule(
                kind="tick",
                due_at=now - timedelta(seconds=n),
                platform="memory",
                bot="mem",
                payload={},
                now=now,
            )
    await setup.dispose()

    fired: Counter[int] = Counter()
    engines = [create_engine(postgres_url) for _ in range(2)]
    schedulers = []
    pipelines = []
    for engine in engines:
        store = SqlStore(engine)
        dispatcher = Dispatcher(
            [Counting(fired)], bots={"mem": BotInfo("mem", "memory", ALL_CAPABILITIES)}
        )
        pipeline = Pipeline(store, dispatcher, max_batch=4)
        pipeline.start()
        pipelines.append(pipeline)
        schedulers.append(Scheduler(store, pipeline.submit, {"mem": "memory"}))
    for _round in range(3):
        await asyncio.gather(*(scheduler.run_once() for scheduler in schedulers))
    for pipeline in pipelines:
        await pipeline.close()
    for engine in engines:
        await engine.dispose()
    assert len(fired) == JOBS
    assert set(fired.values()) == {1}


async def test_each_outbox_row_is_sent_once_across_processes(postgres_url: str) -> None:
    setup = create_engine(postgres_url)
    await upgrade(setup)
    async with SqlStore(setup).transaction() as tx:
        await tx.enqueue(
            [
                SendMessage(bot="mem", channel=ChannelRef(f"chat{n % 7}"), text=as_text(str(n)))
                for n in range(100)
            ],
            datetime.now(UTC),
        )
    await setup.dispose()

    adapters = [MemoryAdapter(), MemoryAdapter()]
    engines = [create_engine(postgres_url) for _ in adapters]
    workers = [
        DeliveryWorker(SqlStore(engine), {"mem": adapter}, batch=10, poll_interval=0.05)
        for engine, adapter in zip(engines, adapters, strict=True)
    ]
    for worker in workers:
        worker.start()
    assert all(await asyncio.gather(*(worker.drain(timeout=30) for worker in workers)))
    for worker in workers:
        await worker.stop()
    for engine in engines:
        await engine.dispose()
    texts = adapters[0].texts() + adapters[1].texts()
    assert sorted(texts, key=int) == [str(n) for n in range(100)]
