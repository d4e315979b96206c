"""Coalescing and pacing of edits, for the delivery worker.

Live tallies (a poll, a case card) edit one message many times. Only the newest edit of a
key needs to reach the platform: an edit superseded by a newer one, queued or already
delivered, is not sent, and edits of one key are spaced by ``interval`` so the last state
is always shown without spending the chat's rate budget on states nobody will see."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict

EditKey = tuple[str, str]
"""``(bot, key)`` of the edited message."""


class EditPacing:
    def __init__(self, interval: float, keep: int = 10_000) -> None:
        self.interval = interval
        self.keep = keep
        self._latest: dict[EditKey, int] = {}
        """Newest edit row routed per key since the worker last went idle."""
        self._delivered_up_to: OrderedDict[EditKey, int] = OrderedDict()
        """Newest edit row delivered per key (bounded): an older edit that was deferred
        (its message not sent yet) must not overwrite it when it is retried later."""
        self._last_at: dict[EditKey, float] = {}

    def queued(self, key: EditKey, row: int) -> None:
        self._latest[key] = max(self._latest.get(key, 0), row)

    def superseded(self, key: EditKey, row: int) -> bool:
        """A newer edit of the same message is queued or was already delivered."""
        newest = max(self._latest.get(key, 0), self._delivered_up_to.get(key, 0))
        return newest > row

    async def space(self, key: EditKey) -> None:
        """Wait until ``interval`` has passed since the key's last delivered edit."""
        last = self._last_at.get(key)
        if last is not None:
            wait = last + self.interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)

    def delivered(self, key: EditKey, row: int) -> None:
        self._last_at[key] = time.monotonic()
        self._delivered_up_to[key] = max(self._delivered_up_to.get(key, 0), row)
        self._delivered_up_to.move_to_end(key)
        while len(self._delivered_up_to) > self.keep:
            self._delivered_up_to.popitem(last=False)

    def forget_settled(self) -> None:
        """Drop what nothing depends on any more (called when the worker is idle), so a bot
        that runs for months does not keep one entry per message it ever edited."""
        self._latest.clear()
        now = time.monotonic()
        self._last_at = {key: at for key, at in self._last_at.items() if now - at < self.interval}
