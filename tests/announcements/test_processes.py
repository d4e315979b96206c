"""Two runtimes sharing one PostgreSQL, as two ``townsquare run`` processes do: each
occurrence of each announcement is posted once in each community of its space, whether
the two split the jobs between them or both fire the same one at the same moment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

from sqlalchemy import select

from tests.announcements.support import Bot, Clock, Where, play, posts
from tests.harness import console_runtime
from townsquare.bots.runtime import Runtime
from townsquare.core.announcements.feature import POST_JOB
from townsquare.core.scheduler import job_event
from townsquare.storage.models import ScheduledJob
from townsquare.storage.store import due_job

TG = Where("tg", "telegram", "-100777", "-100777")
DC = Where("dc", "discord", "9001", "9002")
SPACE = {"name": "town", "communities": [TG.place, DC.place]}


@asynccontextmanager
async def two_runtimes(
    url: str, clock: Clock
) -> AsyncIterator[tuple[tuple[Runtime, Runtime], list[Bot]]]:
    """Two runtimes of the bots ``tg`` and ``dc`` on ``url`` (each its own adapters), their
    schedulers stopped so the test fires the jobs."""
    bots: list[Bot] = []
    async with AsyncExitStack() as stack:
        runtimes = []
        for _ in range(2):
            mine = {"tg": Bot("tg", "telegram"), "dc": Bot("dc", "discord")}
            bots.extend(mine.values())
            runtime = await stack.enter_async_context(
                console_runtime(url, mine, clock=clock, spaces=[SPACE])
            )
            await runtime.scheduler.stop()
            runtimes.append(runtime)
        yield (runtimes[0], runtimes[1]), bots


def posted(bots: list[Bot]) -> dict[str, list[str]]:
    """Every announcement post of each bot, over both runtimes."""
    found: dict[str, list[str]] = {}
    for bot in bots:
        found.setdefault(bot.bot, []).extend(p.text.plain() for p in posts(bot.performed))
    return {name: sorted(texts) for name, texts in found.items()}


async def drain(*runtimes: Runtime) -> None:
    assert all(await asyncio.gather(*(r.worker.drain(timeout=30) for r in runtimes)))


async def test_two_runtimes_post_each_announcement_once_per_community(postgres_url: str) -> None:
    clock = Clock()
    TG.clock = clock
    async with two_runtimes(postgres_url, clock) as ((first, second), bots):
        texts = [f"news {n}" for n in range(12)]
        await play(first, *(TG.command(f"--at in 1h --space {text}") for text in texts))
        await play(second, TG.command("--at in 1h --every daily --space daily news"))
        for bot in bots:
            bot.performed.clear()
        for day in range(3):
            clock.advance(timedelta(hours=1 if day == 0 else 24))
            while sum(
                await asyncio.gather(first.scheduler.run_once(), second.scheduler.run_once())
            ):
                pass
            await drain(first, second)
        once = sorted([*texts, "daily news", "daily news", "daily news"])
        assert posted(bots) == {"tg": once, "dc": once}


async def test_one_occurrence_fired_by_both_runtimes_at_once_is_posted_once(
    postgres_url: str,
) -> None:
    """A lease that ran out while the first process still worked: both submit the same
    job's event at the same time; one posts it, the other finds it handled."""
    clock = Clock()
    TG.clock = clock
    async with two_runtimes(postgres_url, clock) as ((first, second), bots):
        await play(first, TG.command("--at in 1h --pin --space Doors open"))
        for bot in bots:
            bot.performed.clear()
        clock.advance(timedelta(hours=1))
        table = ScheduledJob.__table__
        async with first.engine.connect() as connection:
            rows = await connection.execute(select(table).where(table.c.kind == POST_JOB))
            (job,) = [due_job(row) for row in rows]
        await asyncio.gather(
            first.pipeline.submit(job_event(job)), second.pipeline.submit(job_event(job))
        )
        await drain(first, second)
        assert posted(bots) == {"tg": ["Doors open"], "dc": ["Doors open"]}
