"""Facts between features: stored with the publishing handler's writes, handled after
commit by every subscriber, once, also across redelivery and a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy import select

from tests.facts.support import Clock, Listener, Teller, fact_jobs
from tests.harness import console_runtime, play
from tests.support import MemoryAdapter, command
from townsquare.bots.runtime import Runtime
from townsquare.core.facts.published import MAX_DEPTH
from townsquare.core.features import Feature
from townsquare.core.scheduler import job_event
from townsquare.storage.models import ScheduledJob
from townsquare.storage.store import due_job


@asynccontextmanager
async def running(url: str, features: Sequence[Feature]) -> AsyncIterator[Runtime]:
    async with console_runtime(
        url, {"mem": MemoryAdapter("mem")}, clock=Clock(), features=features
    ) as runtime:
        yield runtime


async def settle(runtime: Runtime) -> None:
    """Fire every fact still due, until none is left (the runtime's own scheduler may
    take some first: each is handled once either way)."""
    while await runtime.scheduler.run_once():
        pass


async def test_a_published_fact_reaches_its_subscriber_after_commit(sqlite_url: str) -> None:
    listener = Listener()
    async with running(sqlite_url, [Teller(), listener]) as runtime:
        await play(runtime, command("tell", "hello"))
        await listener.hears(1)
        await settle(runtime)
        assert listener.heard == [("hello", 1)]
        assert await fact_jobs(runtime.engine, "done") == 1


async def test_a_fact_of_a_feature_that_then_fails_is_never_delivered(sqlite_url: str) -> None:
    listener = Listener()
    async with running(sqlite_url, [Teller(), listener]) as runtime:
        await play(runtime, command("tell", "fail"), command("tell", "after"))
        await listener.hears(1)
        await settle(runtime)
        assert listener.heard == [("after", 1)]
        assert await fact_jobs(runtime.engine) == 1  # the failed handler's was never stored
        assert runtime.metrics.counters["feature_errors.teller"] == 1


async def test_a_redelivered_event_publishes_its_fact_once(sqlite_url: str) -> None:
    listener = Listener()
    async with running(sqlite_url, [Teller(), listener]) as runtime:
        told = command("tell", "again")
        await play(runtime, told, told)
        await listener.hears(1)
        await settle(runtime)
        await play(runtime, told)
        await settle(runtime)
        assert listener.heard == [("again", 1)]
        assert await fact_jobs(runtime.engine) == 1


async def test_a_fact_fired_twice_is_handled_once(sqlite_url: str) -> None:
    """The scheduler's lease ran out, or two processes raced: the same fact job reaches
    the pipeline again after it was handled."""
    listener = Listener()
    async with running(sqlite_url, [Teller(), listener]) as runtime:
        await play(runtime, command("tell", "once"))
        await listener.hears(1)
        table = ScheduledJob.__table__
        async with runtime.engine.connect() as connection:
            row = (await connection.execute(select(table))).one()
        fired = due_job(row)
        await runtime.pipeline.submit(job_event(fired))
        await runtime.pipeline.submit(job_event(fired))
        assert listener.heard == [("once", 1)]
        assert runtime.metrics.counters["events.duplicate"] == 2


async def test_a_fact_stored_before_a_stop_is_handled_after_the_restart(sqlite_url: str) -> None:
    before = Listener()
    async with running(sqlite_url, [Teller(), before]) as runtime:
        await runtime.scheduler.stop()  # as if the process stopped right after the commit
        await play(runtime, command("tell", "later"))
        assert await fact_jobs(runtime.engine, "pending") == 1
    assert before.heard == []
    after = Listener()
    async with running(sqlite_url, [Teller(), after]) as runtime:
        await after.hears(1)
        await settle(runtime)
        assert after.heard == [("later", 1)]
        assert await fact_jobs(runtime.engine, "pending") == 0


async def test_a_chain_of_facts_stops_at_its_depth_limit(sqlite_url: str) -> None:
    """A listener that answers every fact with another one it hears itself: a loop the
    chain limit ends, failing the handler that would go past it."""
    listener = Listener(echo=True)
    async with running(sqlite_url, [Teller(), listener]) as runtime:
        await play(runtime, command("tell", "loop"))
        await listener.hears(MAX_DEPTH - 1)
        await settle(runtime)
        assert listener.heard == [("loop", depth) for depth in range(1, MAX_DEPTH)]
        assert runtime.metrics.counters["feature_errors.listener"] == 1
        assert await fact_jobs(runtime.engine, "pending") == 0


async def test_a_fact_nobody_subscribes_to_is_not_stored(sqlite_url: str) -> None:
    async with running(sqlite_url, [Teller()]) as runtime:
        await play(runtime, command("tell", "unheard"))
        assert await fact_jobs(runtime.engine) == 0
        assert runtime.metrics.counters["facts.published"] == 0
