"""The inbound pipeline: events in, committed state and outbox rows out.

Events are processed in small batches, one transaction per batch (group commit): a
per-event commit through an async driver costs about a millisecond of thread hops, a batch
of hundreds costs about the same. Isolation stays per event and per feature through
savepoints (see :meth:`core.store.Transaction.feature_scope`). The de-duplication records
of the whole batch are written with one statement; a redelivered event is dropped there.
An update its adapter could not map (:class:`~core.events.UpdateRejected`) is stored with
its payload instead of being dispatched, so it is acknowledged like the others and kept.

If the database is briefly gone the whole batch is retried with backoff; callers of
:meth:`Pipeline.submit` wait until their event is committed, so nothing is acknowledged
before it is safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from townsquare.core.actions import Action, EditMessage
from townsquare.core.dispatcher import Dispatcher
from townsquare.core.events import Event, UpdateRejected
from townsquare.core.metrics import Metrics
from townsquare.core.store import EventKey, Store, Transaction

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class PipelineClosed(RuntimeError):
    pass


class Pipeline:
    def __init__(
        self,
        store: Store,
        dispatcher: Dispatcher,
        *,
        max_batch: int = 256,
        max_delay: float = 0.002,
        claim_chunk: int = 128,
        min_chunk: int = 32,
        max_transaction_seconds: float = 0.1,
        retry_delays: Sequence[float] = (0.05, 0.2, 0.5, 1, 2, 5, 10, 10, 10),
        on_commit: Callable[[list[Action]], None] | None = None,
        clock: Clock = utcnow,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.max_batch = max_batch
        self.max_delay = max_delay
        self.claim_chunk = claim_chunk
        self.min_chunk = min(min_chunk, claim_chunk)
        self.max_transaction_seconds = max_transaction_seconds
        self._event_seconds = 0.0
        """What an event of the last chunk took, to size the next (see process)."""
        self._contended_at = -math.inf
        """When a completion last waited for this pipeline's transaction (``monotonic``)."""
        self.retry_delays = tuple(retry_delays)
        self.on_commit = on_commit
        self.clock = clock
        self.metrics = metrics or dispatcher.metrics
        self._queue: asyncio.Queue[tuple[Event, asyncio.Future[None]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="townsquare-pipeline")

    async def submit(self, event: Event) -> None:
        """Queue an event; return once it is committed (or raise if it could not be)."""
        if self._closed:
            raise PipelineClosed("the pipeline is shutting down")
        # Not shielded: a caller that stops waiting cancels only its own future, which the
        # batch then leaves alone (``done()``); the event is processed all the same.
        await self.enqueue(event)

    def enqueue(self, event: Event) -> asyncio.Future[None]:
        """Queue an event without waiting: the future completes once it is committed, or
        fails with what stopped it (already failed when the pipeline is closed). Lets a
        transport queue a whole batch of updates without a task each."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._closed:
            future.set_exception(PipelineClosed("the pipeline is shutting down"))
        else:
            self._queue.put_nowait((event, future))
        return future

    async def close(self) -> None:
        """Stop taking events, finish the queued ones, stop the worker task."""
        self._closed = True
        await self._queue.join()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _collect(self) -> list[tuple[Event, asyncio.Future[None]]]:
        """The next batch: whatever is queued (up to ``max_batch``) once the first event
        is there.

        Events that arrive together (a getUpdates answer, a burst of gateway events) are
        all queued in the same loop turn, and whatever arrives while a batch commits waits
        in the queue for the next one, so batches grow with the load on their own. Only an
        event that came alone waits, up to ``max_delay``, for others to share its commit:
        waiting after a burst would leave the database idle for nothing (a getUpdates
        batch of 100 messages waited 2 ms, a seventh of its time).
        """
        batch = [await self._queue.get()]
        while len(batch) < self.max_batch and not self._queue.empty():
            batch.append(self._queue.get_nowait())
        if len(batch) > 1:
            return batch
        deadline = asyncio.get_running_loop().time() + self.max_delay
        while len(batch) < self.max_batch:
            if not self._queue.empty():
                batch.append(self._queue.get_nowait())
                continue
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            try:
                async with asyncio.timeout(remaining):
                    batch.append(await self._queue.get())
            except TimeoutError:
                break
        return batch

    async def _run(self) -> None:
        while True:
            batch = await self._collect()
            try:
                await self._commit_with_retry([event for event, _future in batch])
            except Exception as error:
                for _event, future in batch:
                    if not future.done():
                        future.set_exception(error)
            else:
                for _event, future in batch:
                    if not future.done():
                        future.set_result(None)
            finally:
                for _item in batch:
                    self._queue.task_done()

    async def _commit_with_retry(self, events: list[Event]) -> None:
        for attempt, delay in enumerate((*self.retry_delays, None)):
            started = time.monotonic()
            published = self.dispatcher.published
            try:
                actions = await self.process(events)
            except Exception as error:
                if delay is None or not is_transient(error):
                    log.exception(
                        "batch of %d events lost after %d tries", len(events), attempt + 1
                    )
                    self.metrics.inc("pipeline.batches_failed")
                    for event in events:
                        self.metrics.inc("events", kind=type(event).__name__, result="failed")
                    raise
                log.warning(
                    "database unavailable (%s); retrying batch of %d in %.2fs",
                    type(error).__name__,
                    len(events),
                    delay,
                )
                self.metrics.inc("pipeline.batch_retries")
                await asyncio.sleep(delay)
            else:
                self.metrics.observe("pipeline.batch_seconds", time.monotonic() - started)
                # Facts published are jobs due now: the commit wakes the scheduler too.
                if self.on_commit is not None and (
                    actions or self.dispatcher.published != published
                ):
                    self.on_commit(actions)
                return

    def _chunk_size(self, elapsed: float) -> int:
        """Events for the next chunk: ``claim_chunk``, or as many as the last chunk's cost
        per event says still fit in the transaction's time, but no fewer than
        ``min_chunk`` (a small chunk's cost per event is mostly its claim's round trip)."""
        if time.monotonic() - self._contended_at < CONTENDED_FOR:
            return self.min_chunk  # completions keep arriving: let them in sooner
        if self._event_seconds <= 0:
            return self.claim_chunk
        fit = int((self.max_transaction_seconds - elapsed) / self._event_seconds)
        return max(self.min_chunk, min(self.claim_chunk, fit))

    async def process(self, events: Sequence[Event]) -> list[Action]:
        """Process a batch; return the actions committed with it.

        Events are claimed and handled in chunks of up to ``claim_chunk``: features read
        ahead for a chunk at once and write what they deferred at its end
        (:meth:`~core.features.Feature.prepare`, :meth:`~core.features.Feature.finish`).
        Each chunk's claim is a round trip to the database (on SQLite, a hop to its
        thread), so chunks are large, but no larger (down to ``min_chunk``) than what the
        last chunk's cost per event says still fits in ``max_transaction_seconds``. Once a
        transaction has run that long it commits and the rest continue in a new one, so a
        write-heavy burst never holds SQLite's write lock long enough to starve the
        delivery worker. A retry after a failure re-runs the whole batch: what already
        committed is recognised by its de-duplication records.
        """
        now = self.clock()
        unique: dict[EventKey, Event] = {}
        for event in events:
            unique.setdefault((event.platform, event.bot, event.event_id), event)
        items = list(unique.items())
        all_actions: list[Action] = []
        processed = index = 0
        while index < len(items):
            actions: list[Action] = []
            outcomes: Counter[tuple[str, str]] = Counter()  # counted once committed
            async with self.store.transaction() as tx:
                started = time.monotonic()
                while index < len(items):
                    chunk = items[index : index + self._chunk_size(time.monotonic() - started)]
                    index += len(chunk)
                    chunk_started = time.monotonic()
                    processed += await self._chunk(tx, chunk, now, actions, outcomes)
                    finished = time.monotonic()
                    self._event_seconds = (finished - chunk_started) / len(chunk)
                    if tx.contended:
                        self._contended_at = finished
                        break  # commit now; a completion waiting for the writer goes first
                    if finished - started > self.max_transaction_seconds:
                        break
                await self.dispatcher.before_commit(tx)
                if actions:
                    await tx.enqueue(coalesce_edits(actions), now)
            for (kind, result), count in outcomes.items():
                self.metrics.inc("events", count, kind=kind, result=result)
            all_actions.extend(actions)
        self.metrics.inc("events.processed", processed)
        self.metrics.inc("events.received", len(events))
        return all_actions

    async def _chunk(
        self,
        tx: Transaction,
        chunk: Sequence[tuple[EventKey, Event]],
        now: datetime,
        actions: list[Action],
        outcomes: Counter[tuple[str, str]],
    ) -> int:
        """Claim and handle one chunk in ``tx``, adding to ``actions`` and ``outcomes``;
        how many of its events were new."""
        fresh = await tx.claim_events([key for key, _event in chunk], now)
        rejected: list[UpdateRejected] = []
        handled: list[Event] = []
        for key, event in chunk:
            kind = type(event).__name__
            if key not in fresh:
                self.metrics.inc("events.duplicate")
                outcomes[(kind, "duplicate")] += 1
            elif isinstance(event, UpdateRejected):
                rejected.append(event)
                outcomes[(kind, "rejected")] += 1
            else:
                handled.append(event)
                outcomes[(kind, "processed")] += 1
        if handled:
            await self.dispatcher.prepare(handled, tx)
            for event in handled:
                actions.extend(await self.dispatcher.dispatch(event, tx, now))
            await self.dispatcher.finish(tx)
            await tx.flush()
        if rejected:
            await tx.keep_rejected(rejected, now)
            self.metrics.inc("events.rejected", len(rejected))
        return len(fresh)


def coalesce_edits(actions: Sequence[Action]) -> list[Action]:
    """Within one batch only the newest edit of a keyed message matters (a live tally
    under a burst of votes): the older ones are never stored."""
    newest: dict[tuple[str, str], int] = {}
    for index, action in enumerate(actions):
        if isinstance(action, EditMessage) and action.key is not None:
            newest[(action.bot, action.key)] = index
    return [
        action
        for index, action in enumerate(actions)
        if not (
            isinstance(action, EditMessage)
            and action.key is not None
            and newest[(action.bot, action.key)] != index
        )
    ]


CONTENDED_FOR = 1.0
"""Seconds after a completion waited for a batch during which chunks stay small
(``min_chunk``), so the next completions wait for less."""

RETRY_SQLSTATES = frozenset({"40001", "40P01"})
"""PostgreSQL's serialization failure and deadlock: the transaction was rolled back and
will most likely pass when retried (e.g. two processes' batches locking the same poll rows
in crossing order). SQLAlchemy's asyncpg adapter reports both as a plain ``DBAPIError``."""


def is_transient(error: BaseException) -> bool:
    """A database error worth retrying (connection lost, locked, serialization failure).

    Decided by name so the core needs no driver import: SQLAlchemy wraps driver errors in
    ``OperationalError``/``InterfaceError`` and marks lost connections with
    ``connection_invalidated``."""
    names = {cls.__name__ for cls in type(error).__mro__}
    if getattr(error, "connection_invalidated", False):
        return True
    if getattr(getattr(error, "orig", None), "sqlstate", None) in RETRY_SQLSTATES:
        return True
    return bool(
        names
        & {
            "OperationalError",
            "InterfaceError",
            "DisconnectionError",
            "ConnectionError",
            "OSError",
            "TimeoutError",
        }
    )
