"""Turns at SQLite's single writer, with delivery completions first.

SQLite lets one transaction write at a time, so this process queues its writers here (in
order, rather than in SQLite's busy handler, which sleeps and can starve one). Writers that
record what already happened on a platform go first: a message the platform accepted is
repeated after a SIGKILL unless its completion committed, so the window between the send
and that commit must not include a queue of pipeline batches. An urgent writer waits at
most for the transaction in progress, which the pipeline ends at its next chunk when it
sees one waiting (``contended``); ordinary writers keep their order among themselves.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class WriterTurns:
    """A FIFO lock with two queues: ``urgent`` waiters are served before ordinary ones."""

    def __init__(self) -> None:
        self._busy = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._ordinary: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def turn(self, *, urgent: bool = False) -> AsyncIterator[None]:
        await self._acquire(urgent)
        try:
            yield
        finally:
            self._release()

    @property
    def waiting(self) -> int:
        return len(self._urgent) + len(self._ordinary)

    @property
    def urgent_waiting(self) -> int:
        """Urgent writers queued: the writer in progress should end its turn soon."""
        return len(self._urgent)

    async def _acquire(self, urgent: bool) -> None:
        if not self._busy and not self.waiting:
            self._busy = True
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._urgent if urgent else self._ordinary
        queue.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # the turn came as the waiter was cancelled: pass it on
            elif turn in queue:
                queue.remove(turn)
            raise

    def _release(self) -> None:
        for queue in (self._urgent, self._ordinary):
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)  # the lock stays busy: handed over
                    return
        self._busy = False
