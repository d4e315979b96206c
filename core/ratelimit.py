"""Token buckets shaping outbound traffic to each platform's published limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    """``rate`` tokens per second, at most ``capacity`` saved up for a burst."""

    def __init__(
        self, rate: float, capacity: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError("rate must be positive and capacity at least 1")
        self.rate = rate
        self.capacity = capacity
        self.clock = clock
        self.tokens = capacity
        self.updated = clock()

    def delay(self) -> float:
        """Seconds until a token is available; 0 means one was taken now."""
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate

    def is_full(self) -> bool:
        """No recent use: forgetting this bucket changes nothing."""
        elapsed = self.clock() - self.updated
        return self.tokens + elapsed * self.rate >= self.capacity

    def pause(self, seconds: float) -> None:
        """The platform said 429: spend the budget so the next take waits ``seconds``."""
        self.tokens = min(self.tokens, 1 - seconds * self.rate)
        self.updated = self.clock()

    async def acquire(self) -> None:
        while (wait := self.delay()) > 0:  # noqa: ASYNC110 - waiting for time, not a task
            await asyncio.sleep(wait)
