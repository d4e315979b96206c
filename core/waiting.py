"""Waiting with a time limit, safely.

Python 3.11's ``asyncio.wait_for`` can swallow a cancellation that arrives while the
awaited thing completes, which leaves a background loop running after ``stop()`` cancelled
it. ``asyncio.timeout`` does not have that flaw, so every bounded wait goes through here.
"""

from __future__ import annotations

import asyncio
import contextlib


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Wait until ``event`` is set or ``timeout`` seconds pass; True if it was set."""
    try:
        async with asyncio.timeout(max(0.0, timeout)):
            await event.wait()
    except TimeoutError:
        return False
    return True


async def finish(tasks: list[asyncio.Task[None]], grace: float) -> None:
    """Let ``tasks`` end on their own within ``grace`` seconds, then cancel the rest.

    Loops that touch the database are asked to stop rather than cancelled outright, so a
    query is never interrupted half-way (an interrupted SQLite transaction can keep its
    write lock until the connection is garbage collected)."""
    pending = [task for task in tasks if not task.done()]
    if pending:
        _done, pending_set = await asyncio.wait(pending, timeout=grace)
        for task in pending_set:
            task.cancel()
        for task in pending_set:
            with contextlib.suppress(asyncio.CancelledError):
                await task
