"""Keeping each bot running: a supervisor per bot starts it, retries with backoff while it
cannot connect or log in (1 s doubling to 5 min, the others running meanwhile), and starts
it again when its platform ends the connection for good. :meth:`Supervision.bot_states`
tells which bot is in which state (for ``/readyz``).

A mixin of :class:`bots.runtime.Runtime`, which owns the attributes declared here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Literal

from townsquare.core.delivery import DeliveryWorker
from townsquare.core.metrics import Metrics
from townsquare.core.pipeline import Pipeline
from townsquare.core.ports import Adapter
from townsquare.core.scheduler import Scheduler
from townsquare.core.waiting import wait_event

log = logging.getLogger(__name__)

BotState = Literal["starting", "running", "retrying", "failed", "lost", "stopped"]
"""``lost``: it ran, then its platform ended the connection for good (an adapter that can
tell says why in ``lost``: a Discord token reset, an intent switched off)."""

RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
"""Seconds between attempts to start a bot that could not; the last one repeats."""


class Supervision:
    """Each bot's supervisor and state (see the module)."""

    metrics: Metrics
    pipeline: Pipeline
    worker: DeliveryWorker
    scheduler: Scheduler
    retry_delays: tuple[float, ...]
    started: list[Adapter]
    errors: dict[str, str]
    _states: dict[str, BotState]
    _stopping: asyncio.Event

    def bot_states(self) -> dict[str, BotState]:
        """Each enabled bot's state: what ``/readyz`` reports."""
        for adapter in self.started:
            lost = getattr(adapter, "lost", None)
            if lost and self._states.get(adapter.bot) == "running":
                self._states[adapter.bot] = "lost"
                self.errors[adapter.bot] = str(lost)
        return dict(self._states)

    def _fail(self, name: str, platform: str, error: BaseException) -> None:
        reason = one_line(error)
        log.error("bot %s (%s) cannot run: %s", name, platform, reason)
        self.metrics.inc("bots.failed_to_start")
        self._states[name] = "failed"
        self.errors[name] = reason

    async def _supervise(
        self, name: str, adapter: Adapter, attempted: asyncio.Future[None]
    ) -> None:
        """Start one bot, retrying with backoff until it runs or the runtime stops; start
        it again, with the same backoff, when its platform ends its connection for good
        (an adapter that can tell sets its ``ended`` event): a token reset back or an
        intent switched on again in the platform's settings then needs no restart."""
        attempt = 0
        try:
            while not self._stopping.is_set():
                try:
                    await adapter.start(self.pipeline.submit)
                except Exception as error:
                    reason = one_line(error)
                    delay = self._retry_delay(attempt)
                    attempt += 1
                    log.error(
                        "bot %s (%s) did not start: %s; retrying in %gs",
                        name,
                        adapter.platform,
                        reason,
                        delay,
                    )
                    self.metrics.inc("bots.failed_to_start")
                    self._states[name] = "retrying"
                    self.errors[name] = reason
                    with contextlib.suppress(Exception):
                        await adapter.close()
                    if not attempted.done():
                        attempted.set_result(None)
                    await wait_event(self._stopping, delay)
                    continue
                self._running(name, adapter)
                if not attempted.done():
                    attempted.set_result(None)
                ran_from = time.monotonic()
                if not await self._until_ended(adapter):
                    return
                if time.monotonic() - ran_from >= self.retry_delays[-1]:
                    attempt = 0  # it ran for a good while: this loss is a new story
                delay = self._retry_delay(attempt)
                attempt += 1
                log.error(
                    "bot %s (%s) lost its connection: %s; starting it again in %gs",
                    name,
                    adapter.platform,
                    getattr(adapter, "lost", None) or "the platform ended it",
                    delay,
                )
                self.metrics.inc("bots.lost")
                self._states[name] = "lost"
                self.errors[name] = str(getattr(adapter, "lost", None) or "connection ended")
                with contextlib.suppress(Exception):
                    await adapter.close()
                await wait_event(self._stopping, delay)
        finally:
            if not attempted.done():
                attempted.set_result(None)

    def _retry_delay(self, attempt: int) -> float:
        return self.retry_delays[min(attempt, len(self.retry_delays) - 1)]

    def _running(self, name: str, adapter: Adapter) -> None:
        self._states[name] = "running"
        self.errors.pop(name, None)
        if adapter not in self.started:
            self.started.append(adapter)
        self.worker.adapters[name] = adapter
        self.scheduler.bots[name] = adapter.platform
        self.worker.wake()
        self.scheduler.wake()
        log.info("bot %s (%s) is running", name, adapter.platform)

    async def _until_ended(self, adapter: Adapter) -> bool:
        """Wait until the adapter's connection ends for good (True) or the runtime stops
        (False); an adapter that cannot tell never ends here."""
        ended = getattr(adapter, "ended", None)
        if not isinstance(ended, asyncio.Event):
            return False
        waiters = [
            asyncio.ensure_future(ended.wait()),
            asyncio.ensure_future(self._stopping.wait()),
        ]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        return ended.is_set() and not self._stopping.is_set()


def one_line(error: BaseException) -> str:
    """An error as one line for the log: its first line, or its type when it says nothing."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
