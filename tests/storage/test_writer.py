"""Turns at SQLite's writer: completions go before queued pipeline batches."""

from __future__ import annotations

import asyncio

from storage.writer import WriterTurns


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
    while turns.waiting < 5:
        await asyncio.sleep(0)
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
    while turns.waiting < 2:
        await asyncio.sleep(0)
    release.set()
    gone.cancel()  # cancelled in the same instant its turn may be handed to it
    await holder
    await asyncio.wait_for(later, 1)
    assert order == ["later"]
    assert gone.cancelled()
    async with turns.turn():  # and the lock is free again
        pass
