"""Two runtimes sharing one PostgreSQL, as two ``townsquare run`` processes do: presses
for the last seat arriving at both at once seat one member and waitlist the other, and
each reminder is sent once, whichever runtime's scheduler claims it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

from tests.calendar.support import (
    ALICE,
    START,
    Clock,
    EventAdapter,
    features,
    play,
    press,
    typed,
)
from tests.harness import console_runtime
from tests.support import member
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import AnswerButton

BOB, CAROL, DAN = member("Bob"), member("Carol"), member("Dan")


@asynccontextmanager
async def two_runtimes(
    url: str, clock: Clock
) -> AsyncIterator[tuple[tuple[Runtime, Runtime], list[EventAdapter]]]:
    """Two runtimes of the bot ``mem`` on ``url`` (each its own adapter), their
    schedulers stopped so the test fires the jobs."""
    adapters: list[EventAdapter] = []
    async with AsyncExitStack() as stack:
        runtimes = []
        for _ in range(2):
            adapter = EventAdapter()
            adapters.append(adapter)
            runtime = await stack.enter_async_context(
                console_runtime(url, {"mem": adapter}, clock=clock, features=features())
            )
            await runtime.scheduler.stop()
            runtimes.append(runtime)
        yield (runtimes[0], runtimes[1]), adapters


async def drain(*runtimes: Runtime) -> None:
    assert all(await asyncio.gather(*(r.worker.drain(timeout=30) for r in runtimes)))


async def test_the_last_seat_and_the_reminders_hold_across_two_processes(
    postgres_url: str,
) -> None:
    clock = Clock()
    async with two_runtimes(postgres_url, clock) as ((first, second), adapters):
        await play(
            first,
            typed('/event "Dinner" 2026-12-01 20:00 --capacity 2 --remind 1h', ALICE, clock),
        )
        await play(first, press("ev:1:going", DAN, clock))
        await asyncio.gather(
            first.pipeline.submit(press("ev:1:going", BOB, clock)),
            second.pipeline.submit(press("ev:1:going", CAROL, clock)),
        )
        await drain(first, second)
        toasts = sorted(
            a.toast
            for adapter in adapters
            for a in adapter.performed
            if isinstance(a, AnswerButton)
        )
        assert toasts == [
            "It is full: you are number 1 on the waitlist",
            "You are going",
            "You are going",
        ], "one seat was left: one of the two waits"
        for adapter in adapters:
            adapter.clear()

        clock.now = START.replace(hour=19)  # the 1-hour reminder is due
        while sum(await asyncio.gather(first.scheduler.run_once(), second.scheduler.run_once())):
            pass  # both claim due jobs at once until none is left
        await drain(first, second)
        reminded = sorted(
            d.user_id
            for adapter in adapters
            for d in adapter.directs()
            if d.text.plain().startswith("⏰ Reminder: #1")
        )
        assert len(reminded) == 2 and "dan" in reminded, reminded
        assert reminded[0] != reminded[1], "each going member once"
        clock.advance(timedelta(minutes=5))
        assert (
            sum(await asyncio.gather(first.scheduler.run_once(), second.scheduler.run_once())) == 0
        )
