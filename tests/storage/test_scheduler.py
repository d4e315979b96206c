"""The durable scheduler against a real database: a rescheduled job fires again."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support import ALL_CAPABILITIES
from townsquare.core.dispatcher import Dispatcher
from townsquare.core.events import JobDue
from townsquare.core.features import BotInfo, Context, Feature, job
from townsquare.core.pipeline import Pipeline
from townsquare.core.scheduler import Scheduler
from townsquare.storage.store import SqlStore


class Reminder(Feature):
    name = "reminder"

    def __init__(self) -> None:
        self.fired: Counter[str] = Counter()

    @job("remind")
    async def remind(self, event: JobDue, ctx: Context) -> None:
        self.fired[str(event.payload["what"])] += 1


async def test_a_job_rescheduled_under_a_fired_key_fires_again(
    migrated_engine: AsyncEngine,
) -> None:
    """Rescheduling deletes the fired row; SQLite then hands its id to the new job. The new
    job must not inherit the fired one's de-duplication record and be skipped."""
    store = SqlStore(migrated_engine)
    feature = Reminder()
    dispatcher = Dispatcher([feature], bots={"mem": BotInfo("mem", "memory", ALL_CAPABILITIES)})
    pipeline = Pipeline(store, dispatcher, max_batch=4)
    pipeline.start()
    clock = [datetime(2026, 1, 1, 12, tzinfo=UTC)]
    scheduler = Scheduler(store, pipeline.submit, {"mem": "memory"}, clock=lambda: clock[0])

    async def schedule(what: str) -> int:
        async with store.transaction() as tx:
            return await tx.schedule(
                kind="remind",
                due_at=clock[0],
                platform="memory",
                bot="mem",
                payload={"what": what},
                key="daily-reminder",
                now=clock[0],
            )

    try:
        first = await schedule("first")
        await scheduler.run_once()
        clock[0] += timedelta(minutes=1)
        second = await schedule("second")
        await scheduler.run_once()
    finally:
        await pipeline.close()

    if migrated_engine.dialect.name == "sqlite":
        assert second == first, "the premise: SQLite reused the deleted row's id"
    assert feature.fired == {"first": 1, "second": 1}
