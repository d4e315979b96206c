"""Two runtimes sharing one PostgreSQL, as two ``townsquare run`` processes do: each fact
is handled once, whether they split the facts between them or both fire the same one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from sqlalchemy import select

from tests.facts.support import Clock, Listener, Teller, fact_jobs
from tests.harness import console_runtime, play
from tests.support import MemoryAdapter, command
from townsquare.bots.runtime import Runtime
from townsquare.core.scheduler import job_event
from townsquare.core.store import DueJob
from townsquare.storage.models import ScheduledJob
from townsquare.storage.store import due_job


@asynccontextmanager
async def two_runtimes(url: str, listener: Listener) -> AsyncIterator[tuple[Runtime, Runtime]]:
    """Two runtimes of bot ``mem`` on ``url``, their schedulers stopped so the test fires."""
    async with AsyncExitStack() as stack:
        runtimes = []
        for _ in range(2):
            runtime = await stack.enter_async_context(
                console_runtime(
                    url, {"mem": MemoryAdapter("mem")}, clock=Clock(), features=[Teller(), listener]
                )
            )
            await runtime.scheduler.stop()
            runtimes.append(runtime)
        yield runtimes[0], runtimes[1]


async def pending_facts(runtime: Runtime) -> list[DueJob]:
    table = ScheduledJob.__table__
    async with runtime.engine.connect() as connection:
        rows = await connection.execute(select(table).where(table.c.status == "pending"))
        return [due_job(row) for row in rows]


async def test_two_runtimes_share_the_facts_and_handle_each_once(postgres_url: str) -> None:
    listener = Listener()  # one instance in both: what either handled is in one list
    async with two_runtimes(postgres_url, listener) as (first, second):
        words = [f"w{n}" for n in range(30)]
        await play(first, *(command("tell", word) for word in words))
        assert await fact_jobs(first.engine, "pending") == len(words)
        while sum(await asyncio.gather(first.scheduler.run_once(), second.scheduler.run_once())):
            pass
        assert sorted(word for word, _depth in listener.heard) == sorted(words)
        assert await fact_jobs(first.engine, "pending") == 0


async def test_one_fact_fired_by_both_runtimes_at_once_is_handled_once(postgres_url: str) -> None:
    """A lease that ran out while the first process still worked: both submit the same
    fact at the same time, and its de-duplication record lets one through."""
    listener = Listener()
    async with two_runtimes(postgres_url, listener) as (first, second):
        words = [f"r{n}" for n in range(10)]
        await play(second, *(command("tell", word) for word in words))
        jobs = await pending_facts(first)
        assert len(jobs) == len(words)
        await asyncio.gather(
            *(
                runtime.pipeline.submit(job_event(job))
                for job in jobs
                for runtime in (first, second)
            )
        )
        assert sorted(word for word, _depth in listener.heard) == sorted(words)
        duplicates = sum(r.metrics.counters["events.duplicate"] for r in (first, second))
        assert duplicates == len(words)
        assert await fact_jobs(first.engine, "done") == len(words)
