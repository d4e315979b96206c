"""The weekly digest: a durable job, on by default, scheduled by a community's first
counted message, posted to the managers' inbox on Monday, and stopped by
``/stats digest off``."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from tests.harness import console_runtime, play
from tests.people.support import Clock
from tests.support import MemoryAdapter, command, manager, member, said
from townsquare.core.actions import SendMessage
from townsquare.core.analytics.feature import DIGEST_JOB
from townsquare.core.analytics.rules import next_digest
from townsquare.core.analytics.store import COUNTERS
from townsquare.storage.analytics_models import AnalyticsDayRow
from townsquare.storage.tables import jobs

days = AnalyticsDayRow.__table__
ZEROS = {name: 0 for name in ("active", *COUNTERS)}
WEDNESDAY = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)


def test_the_next_digest_is_the_coming_monday_morning() -> None:
    assert next_digest(WEDNESDAY) == datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
    monday_early = datetime(2026, 11, 9, 7, 0, tzinfo=UTC)
    assert next_digest(monday_early) == datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
    assert next_digest(datetime(2026, 11, 9, 8, 0, tzinfo=UTC)) == datetime(
        2026, 11, 16, 8, 0, tzinfo=UTC
    )


def digests(adapter: MemoryAdapter) -> list[SendMessage]:
    return [
        a
        for a in adapter.performed
        if isinstance(a, SendMessage) and a.text.plain().startswith("This week in the community")
    ]


async def test_the_weekly_digest_reaches_the_inbox_until_turned_off(sqlite_url: str) -> None:
    clock = Clock(WEDNESDAY)
    adapter = MemoryAdapter("mem")
    defaults = {"escalate_to": "mem:mods"}
    async with console_runtime(
        sqlite_url, {"mem": adapter}, clock=clock, defaults=defaults
    ) as runtime:
        await play(runtime, *(replace(said(text), occurred_at=clock.now) for text in ("hi", "yo")))
        async with runtime.engine.connect() as connection:
            due = [
                row.due_at
                for row in await connection.execute(select(jobs).where(jobs.c.kind == DIGEST_JOB))
            ]
        assert due == [datetime(2026, 11, 9, 8, 0, tzinfo=UTC)]

        today = clock.now.date().toordinal()
        old = [("c:memory:c1", today - 400), ("c:memory:c1", today - 399)]
        async with runtime.engine.begin() as connection:
            for scope, day in old:
                await connection.execute(insert(days).values(scope=scope, day=day, **ZEROS))

        clock.advance(timedelta(days=5))  # Monday 15:00
        await runtime.scheduler.run_once()
        await adapter.wait_for(lambda _done: len(digests(adapter)) == 1)
        (digest,) = digests(adapter)
        assert digest.channel.id == "mods"
        assert "Messages: 2 (new)" in digest.text.plain()
        async with runtime.engine.connect() as connection:
            kept = {row.day for row in await connection.execute(select(days))}
        assert kept == {today}  # Monday keeps its last 400 days: from today - 394 on

        await play(runtime, command("stats", "digest", "off", who=member("Mallory")))
        assert adapter.texts()[-1] == "Sorry, only managers can use /stats digest."
        await play(runtime, command("stats", "export", who=member("Mallory")))
        assert adapter.texts()[-1] == "Sorry, only managers can use /stats export."
        await play(runtime, command("stats", "digest", "off", who=manager()))
        assert adapter.texts()[-1].startswith("No more weekly digest")
        clock.advance(timedelta(days=7))
        assert await runtime.scheduler.run_once() == 1  # the job ran, and said nothing
        assert await runtime.worker.drain(timeout=10)
        assert len(digests(adapter)) == 1

        await play(runtime, command("stats", "digest", "weekly", who=manager()))
        clock.advance(timedelta(days=7))
        assert await runtime.scheduler.run_once() == 1
        await adapter.wait_for(lambda _done: len(digests(adapter)) == 2)
