"""Long polling that confirms to Telegram only what the core has committed, for both backends.

``getUpdates`` confirms every update below the ``offset`` it is called with, for good: the
server never sends them again. aiogram's and PTB's pollers advance the offset as soon as a
batch is fetched, so a process killed while the batch is being stored loses it. This loop
advances it only past updates whose events the sink has returned for (committed):

1. ``getUpdates`` (long poll, :data:`~adapters.telegram.inbound.ALLOWED_UPDATES`), read as
   raw JSON: no SDK model is built, so an update an SDK could not decode (a field it
   expects missing, e.g. from a self-hosted server that lags its schema) cannot fail the
   whole response, and the intake reads the same JSON on both backends.
2. Every update of the batch goes to the handler at once, in order (the core's queue keeps
   submission order, so order per chat holds and one group commit takes the burst): to
   ``handle_batch`` in one call when the transport gives one, else to ``handle`` per update.
3. The next ``getUpdates`` is called with ``offset`` = last committed ``update_id`` + 1,
   counting only the unbroken run of committed updates from the start of the batch. If the
   handler raised for one (the database gone longer than the pipeline's retries, the
   pipeline closing), the loop backs off and fetches from it again: Telegram redelivers it
   and the ones after it, and the core's de-duplication makes the repeats harmless. Nothing
   is ever skipped.

:meth:`Poller.stop` interrupts a long poll at once, lets a batch being committed finish
(within ``drain`` seconds), confirms what was committed with one last short call, and
confirms nothing else: after a stop or a SIGKILL, whatever was not committed arrives again.

Errors from the Bot API (network, 5xx, 409 while a webhook is set, 429) are logged once
until polling works again, then retried with backoff; a 429 waits its ``retry_after``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp

from townsquare.adapters.telegram.inbound import ALLOWED_UPDATES

log = logging.getLogger(__name__)

Handle = Callable[[Any], Awaitable[None]]
HandleBatch = Callable[[Sequence[Any]], Awaitable[Sequence[BaseException | None]]]
"""Handles a batch in order; what handling each update raised (None: committed)."""


class PollError(Exception):
    """``getUpdates`` failed; ``retry_after`` is Telegram's own wait, when it gave one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def confirmable(updates: Sequence[Any], results: Sequence[BaseException | None]) -> int | None:
    """The offset that confirms the committed start of a batch (``None``: nothing new).

    ``results[i]`` is what handling ``updates[i]`` raised, or ``None``. Only updates before
    the first failure count: confirming a later one would confirm the failed one too."""
    offset: int | None = None
    for update, error in zip(updates, results, strict=True):
        if error is not None:
            break
        update_id = update.get("update_id") if isinstance(update, dict) else None
        if isinstance(update_id, int) and not isinstance(update_id, bool):
            offset = max(offset or 0, update_id + 1)
    return offset


class Poller:
    """Polls one bot's updates into ``handle``, confirming only what it committed."""

    def __init__(
        self,
        *,
        bot: str,
        api_base: str,
        token: str,
        handle: Handle,
        handle_batch: HandleBatch | None = None,
        timeout: int = 30,
        limit: int = 100,
        first_delay: float = 0.5,
        max_delay: float = 30.0,
        drain: float = 10.0,
    ) -> None:
        self.bot = bot
        self._url = f"{api_base.rstrip('/')}/bot{token}/getUpdates"
        self._token = token
        self._handle = handle
        self._handle_batch = handle_batch
        self.timeout = timeout
        self.limit = limit
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.drain = drain
        """How long :meth:`stop` lets a batch being stored finish."""
        self.offset: int | None = None
        """Every update below it is committed and confirmed (or about to be, by the next
        call)."""
        self._sent: int | None = None
        """The offset of the last call the server answered: confirmed there."""
        self._task: asyncio.Task[None] | None = None
        self._fetching: asyncio.Task[list[Any]] | None = None
        self._stopping = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        self._stopping = asyncio.Event()  # a stopped poller may be started again
        self._session = aiohttp.ClientSession()
        self._task = asyncio.create_task(self._run(), name=f"telegram-polling-{self.bot}")

    async def stop(self) -> None:
        """Stop polling; a batch being committed gets :attr:`drain` seconds to finish."""
        self._stopping.set()
        if self._fetching is not None:
            self._fetching.cancel()  # a long poll in progress: nothing in it is taken yet
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), self.drain)
            except TimeoutError:
                log.warning(
                    "bot %s: updates still being stored at stop are left unconfirmed; "
                    "Telegram sends them again at the next start",
                    self.bot,
                )
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                self._fetching = asyncio.create_task(self._fetch(self.offset, self.timeout))
                try:
                    updates = await self._fetching
                finally:
                    self._fetching = None
            except asyncio.CancelledError:
                if self._stopping.is_set():
                    break
                raise
            except PollError as error:
                failures += 1
                self._report(failures, f"cannot fetch updates: {error}")
                await self._pause(failures, error.retry_after)
                continue
            if not updates:
                failures = self._recovered(failures)
                continue
            results = await self._commit(updates)
            offset = confirmable(updates, results)
            if offset is not None and (self.offset is None or offset > self.offset):
                self.offset = offset
            problems = [error for error in results if error is not None]
            if not problems:
                failures = self._recovered(failures)
                continue
            failures += 1
            self._report(
                failures,
                f"{len(problems)} of {len(updates)} update(s) could not be stored, "
                f"fetching them again: {problems[0]!r}",
            )
            await self._pause(failures, None)
        await self._confirm_last()

    async def _commit(self, updates: list[Any]) -> list[BaseException | None]:
        """Handle every update of the batch concurrently, in order; what each raised."""
        if self._handle_batch is not None:
            try:
                return list(await self._handle_batch(updates))
            except Exception as error:  # the whole batch (the intake closing)
                return [error] * len(updates)
        outcomes = await asyncio.gather(
            *(self._handle(update) for update in updates), return_exceptions=True
        )
        return [outcome if isinstance(outcome, BaseException) else None for outcome in outcomes]

    async def _confirm_last(self) -> None:
        """Tell Telegram what the last batch committed, so a restart does not see it again
        (harmless if it did: de-duplicated). A short call that takes nothing."""
        if self.offset is None or self.offset == self._sent or self._session is None:
            return
        with contextlib.suppress(PollError, asyncio.CancelledError):
            await asyncio.wait_for(self._fetch(self.offset, 0, limit=1), 5)

    async def _fetch(self, offset: int | None, timeout: int, limit: int | None = None) -> list[Any]:
        assert self._session is not None
        body: dict[str, Any] = {
            "timeout": timeout,
            "limit": limit or self.limit,
            "allowed_updates": ALLOWED_UPDATES,
        }
        if offset is not None:
            body["offset"] = offset
        try:
            async with self._session.post(
                self._url, json=body, timeout=aiohttp.ClientTimeout(total=timeout + 15)
            ) as response:
                text = await response.text()
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as error:
            # ValueError: a body that is not text in its declared charset
            raise PollError(self._redact(f"{type(error).__name__}: {error}")) from None
        try:
            answer = json.loads(text)
        except ValueError:
            raise PollError(f"HTTP {response.status}, not a Bot API answer") from None
        if not isinstance(answer, dict):
            raise PollError(f"HTTP {response.status}, not a Bot API answer")
        if not answer.get("ok"):
            parameters = answer.get("parameters") or {}
            wait = parameters.get("retry_after") if isinstance(parameters, dict) else None
            description = answer.get("description") or f"HTTP {response.status}"
            raise PollError(
                f"{answer.get('error_code', response.status)} {description}",
                float(wait) if isinstance(wait, int | float) else None,
            )
        result = answer.get("result")
        if not isinstance(result, list):
            raise PollError("the answer has no list of updates")
        self._sent = offset
        return result

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "<token>")

    def _report(self, failures: int, message: str) -> None:
        """The first failure of a run is a warning; the repeats until it recovers, debug."""
        level = logging.WARNING if failures == 1 else logging.DEBUG
        log.log(level, "bot %s: %s (retrying)", self.bot, message)

    def _recovered(self, failures: int) -> int:
        if failures:
            log.info("bot %s: polling works again", self.bot)
        return 0

    async def _pause(self, failures: int, retry_after: float | None) -> None:
        """Back off (doubling up to ``max_delay``), or wait what Telegram asked; a stop
        ends the wait."""
        delay = retry_after or min(self.max_delay, self.first_delay * 2 ** (failures - 1))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), delay)
