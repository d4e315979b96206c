"""Waiting with a time limit, safely.

Python 3.11's ``asyncio.wait_for`` can swallow a cancellation that arrives while the
awaited thing completes, which leaves a background loop running after ``stop()`` cancelled
it. ``asyncio.timeout`` does not have that flaw, so every bounded wait goes through here.
"""

from __future__ import annotations

import asyncio


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Wait until ``event`` is set or ``timeout`` seconds pass; True if it was set."""
    try:
        async with asyncio.timeout(max(0.0, timeout)):
            await event.wait()
    except TimeoutError:
        return False
    return True
