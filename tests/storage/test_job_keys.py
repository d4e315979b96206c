"""Jobs scheduled under a key: one deadline per key, however many processes race for it.

A feature that (re)schedules a keyed job (the onboarding batch flush, a poll deadline) must
never fail because another process scheduled the same key at the same moment: the failure
rolled the feature back while the event's de-duplication record committed, so the join was
silently lost (7 of 100 concurrent joins over three processes).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support import ALL_CAPABILITIES, said
from townsquare.core.actions import SendMessage
from townsquare.core.dispatcher import Dispatcher
from townsquare.core.events import JobDue, MessagePosted
from townsquare.core.features import BotInfo, Context, Feature, job, on
from townsquare.core.pipeline import Pipeline
from townsquare.core.refs import ChannelRef
from townsquare.core.scheduler import Scheduler, job_event
from townsquare.core.text import as_text
from townsquare.storage.database import create_engine
from townsquare.storage.migrate import upgrade
from townsquare.storage.store import SqlStore

BOTS = {"mem": BotInfo("mem", "memory", ALL_CAPABILITIES)}


class SharedDeadline(Feature):
    """Every message moves one shared deadline and answers; a lost message has no answer."""

    name = "shared-deadline"

    def __init__(self) -> None:
        self.fired: Counter[str] = Counter()

    @on(MessagePosted)
    async def moved(self, event: MessagePosted, ctx: Context) -> None:
        await ctx.tx.schedule(
            kind="deadline",
            due_at=ctx.now + timedelta(minutes=5),
            platform="memory",
            bot="mem",
            payload={"last": event.text},
            key="one-deadline",
            now=ctx.now,
        )
        ctx.emit(SendMessage(bot="mem", channel=ChannelRef("c"), text=as_text(event.text)))

    @job("deadline")
    async def due(self, event: JobDue, ctx: Context) -> None:
        self.fired[str(event.payload["last"])] += 1


async def _outbox_texts(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT payload FROM outbox"))
        return [str(row.payload["text"]["spans"][0]["text"]) for row in rows]


async def _wait_for_lock_waiter(engine: AsyncEngine, deadline: float = 10.0) -> None:
    """Until some backend waits on a lock (the second schedule blocked on the first)."""
    give_up = time.monotonic() + deadline
    async with engine.connect() as connection:
        while time.monotonic() < give_up:
            waiting = await connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            await connection.rollback()
            if waiting:
                return
            await asyncio.sleep(0.01)  # polling another server's state: nothing to await
    raise AssertionError("the second schedule never waited for the first")


async def test_two_processes_scheduling_one_key_both_commit(postgres_url: str) -> None:
    setup = create_engine(postgres_url)
    await upgrade(setup)
    first, second = SqlStore(create_engine(postgres_url)), SqlStore(create_engine(postgres_url))
    now = datetime.now(UTC)

    async def schedule(
        store: SqlStore, what: str, scheduled: asyncio.Event, hold: asyncio.Event
    ) -> int:
        async with store.transaction() as tx:
            job_id = await tx.schedule(
                kind="deadline",
                due_at=now,
                platform="memory",
                bot="mem",
                payload={"last": what},
                key="one-deadline",
                now=now,
            )
            scheduled.set()
            await hold.wait()
            return job_id

    first_scheduled, release, go = asyncio.Event(), asyncio.Event(), asyncio.Event()
    go.set()
    try:
        one = asyncio.create_task(schedule(first, "one", first_scheduled, release))
        await first_scheduled.wait()  # its row is written, not committed
        two = asyncio.create_task(schedule(second, "two", asyncio.Event(), go))
        await _wait_for_lock_waiter(setup)  # the second waits on the first's key
        release.set()
        ids = await asyncio.gather(one, two)
        async with setup.connect() as connection:
            rows = (await connection.execute(text("SELECT id, payload FROM scheduled_jobs"))).all()
    finally:
        for store in (first, second):
            await store.engine.dispose()
        await setup.dispose()
    assert ids[0] == ids[1]
    assert [row.payload["last"] for row in rows] == ["two"], "the later schedule replaces"


async def test_concurrent_messages_moving_one_deadline_are_never_lost(postgres_url: str) -> None:
    """Two processes' pipelines handle 100 messages that all move one keyed deadline."""
    setup = create_engine(postgres_url)
    await upgrade(setup)
    engines = [create_engine(postgres_url) for _ in range(3)]
    pipelines = [
        Pipeline(SqlStore(engine), Dispatcher([SharedDeadline()], bots=BOTS), max_batch=4)
        for engine in engines
    ]
    for pipeline in pipelines:
        pipeline.start()
    try:
        await asyncio.gather(
            *(
                pipelines[n % len(pipelines)].submit(said(f"m{n}", event_id=f"e{n}"))
                for n in range(100)
            )
        )
        texts = await _outbox_texts(setup)
    finally:
        for pipeline in pipelines:
            await pipeline.close()
        for engine in engines:
            await engine.dispose()
        await setup.dispose()
    assert sorted(texts) == sorted(f"m{n}" for n in range(100))


async def test_a_job_replaced_while_firing_still_fires_in_its_new_version(
    migrated_engine: AsyncEngine,
) -> None:
    """A firing of the old version completes only that version: the new deadline stays."""
    store = SqlStore(migrated_engine)
    feature = SharedDeadline()
    pipeline = Pipeline(store, Dispatcher([feature], bots=BOTS), max_batch=4)
    pipeline.start()
    clock = [datetime(2026, 1, 1, 12, tzinfo=UTC)]
    scheduler = Scheduler(store, pipeline.submit, {"mem": "memory"}, clock=lambda: clock[0])

    async def schedule(what: str, due: datetime) -> None:
        async with store.transaction() as tx:
            await tx.schedule(
                kind="deadline",
                due_at=due,
                platform="memory",
                bot="mem",
                payload={"last": what},
                key="one-deadline",
                now=clock[0],
            )

    try:
        await schedule("old", clock[0])
        claimed = await store.claim_jobs(["mem"], clock[0], limit=10, lease_seconds=30)
        assert len(claimed) == 1
        clock[0] += timedelta(seconds=1)
        await schedule("new", clock[0] + timedelta(minutes=1))  # replaced while in flight
        await pipeline.submit(job_event(claimed[0]))  # the old version fires
        clock[0] += timedelta(minutes=2)
        assert await scheduler.run_once() == 1, "the new version is still pending"
    finally:
        await pipeline.close()
    assert feature.fired == {"old": 1, "new": 1}
