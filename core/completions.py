"""Recording delivered outbox rows: each completion written until it commits, and group
commit of the rows that need nothing else stored.

A row that was sent (or superseded) and needs nothing else stored with it (no platform
message id to remember, no follow-up, no error) is not marked done by a transaction of its
own: the first such completion starts a flush, which waits ``flush_window`` and then for
the database's writer; completions arriving meanwhile join it, and one ``UPDATE ... WHERE
id IN (...)`` per chunk marks them all in one transaction (under a burst of button
presses, one transaction for dozens of toasts instead of one each, leaving SQLite's single
writer to the pipeline). Rows that store a message id, carry a follow-up or failed keep
their own transaction.

Guarantees: until its mark commits a row stays in :attr:`Completions.unflushed` (the worker
keeps it in flight, so its lease keeps being renewed and no other process claims a
delivered row again); a crash before the flush leaves the row pending, and it is sent
again once its lease ends (at least once) — except on SQLite, where the send was written
to the :class:`~core.sent_journal.SentJournal` first and the next start marks it; a
write that fails is retried with backoff bounded by a tenth of the lease, never the send.
Stores without ``outbox_done_many`` (:class:`core.store.GroupCommitStore`) get one
transaction per row.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from functools import partial

from townsquare.core.actions import SendDirect, SendMessage
from townsquare.core.metrics import Metrics
from townsquare.core.pipeline import Clock
from townsquare.core.sending import describe
from townsquare.core.sent_journal import SentJournal
from townsquare.core.store import Completion, GroupCommitStore, OutboxItem, Store
from townsquare.core.waiting import finish

log = logging.getLogger(__name__)


class Completions:
    """The delivery worker's completions: :meth:`done` for rows that need nothing else
    stored, :meth:`record` for a write of its own (a message id, a failure)."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock,
        metrics: Metrics,
        flush_window: float,
        retry_cap: float,
        backoff_base: float,
        flushed: Callable[[Collection[int]], None],
        journal: SentJournal | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.metrics = metrics
        self.flush_window = flush_window
        self.retry_cap = retry_cap
        """Seconds a failed write waits at most before it is tried again."""
        self.backoff_base = backoff_base
        self._on_flushed = flushed
        """Called with the row ids of each committed flush (the worker frees them)."""
        self.journal = journal
        """Told of every committed mark, so it forgets the send it recorded."""
        self._group_commit = isinstance(store, GroupCommitStore)
        self._marks: dict[int, tuple[str, int]] = {}
        """Completions waiting for the next flush: row id -> (status, attempts)."""
        self.unflushed: set[int] = set()
        """Rows finished whose mark is not committed yet (marked, or being flushed)."""
        self.flushed = asyncio.Event()
        """Set while no completion waits for a flush."""
        self.flushed.set()
        self._task: asyncio.Task[None] | None = None

    def _delay(self, failures: int) -> float:
        return min(self.retry_cap, self.backoff_base * 2.0 ** min(failures - 1, 8))

    async def record(self, item: OutboxItem, write: Callable[[], Awaitable[None]]) -> None:
        """Store what a sent row produced, retrying while the database is gone: the row
        stays in flight meanwhile (its lease renewed once the database answers), so it is
        never sent again because its completion could not be written at first."""
        failures = 0
        while True:
            try:
                await write()
                if self.journal is not None:
                    self.journal.settled((item.id,))
                return
            except Exception as error:
                failures += 1
                delay = self._delay(failures)
                log.warning(
                    "cannot record outbox row %s as delivered (%s); retrying in %.1fs",
                    item.id,
                    describe(error),
                    delay,
                )
                self.metrics.inc("delivery.record_errors")
                await asyncio.sleep(delay)

    async def done(self, item: OutboxItem, status: str) -> None:
        """Finish a row that needs nothing else stored: joins the next flush where the
        store can group them (a keyed send whose platform gave no message id keeps its own
        transaction, so an edit waiting for that key learns at once that there is none)."""
        action = item.action
        keyed_send = isinstance(action, SendMessage | SendDirect) and action.key is not None
        if keyed_send or not self._group_commit:
            await self.record(item, lambda: self.store.outbox_done(item, status, self.clock()))
            return
        self._marks[item.id] = (status, item.attempts)
        self.unflushed.add(item.id)
        self.flushed.clear()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush_loop(), name="townsquare-delivery-flush")

    async def finish(self, grace: float) -> None:
        """Let the pending flush commit for ``grace`` seconds (a stop)."""
        if self._task is not None:
            await finish([self._task], grace)

    def forget(self) -> None:
        """After a stop: marks not flushed are gone (their rows are sent again)."""
        self._task = None
        self._marks.clear()
        self.unflushed.clear()
        self.flushed.set()

    def _take_marks(self, taken: dict[int, tuple[str, int]]) -> list[Completion]:
        taken.update(self._marks)
        self._marks.clear()
        return [(row_id, status, attempts) for row_id, (status, attempts) in taken.items()]

    async def _flush_loop(self) -> None:
        """Commit pending completions until none are left; a failed flush keeps its marks
        and is retried (backoff at most :attr:`retry_cap`; the leases are renewed)."""
        store = self.store
        assert isinstance(store, GroupCommitStore)
        failures = 0
        try:
            while self._marks:
                if self.flush_window > 0 and failures == 0:
                    await asyncio.sleep(self.flush_window)
                taken: dict[int, tuple[str, int]] = {}
                try:
                    await store.outbox_done_many(partial(self._take_marks, taken), self.clock())
                except Exception as error:
                    for row_id, mark in taken.items():
                        self._marks.setdefault(row_id, mark)
                    failures += 1
                    delay = self._delay(failures)
                    log.warning(
                        "cannot mark %d delivered outbox row(s) done (%s); retrying in %.1fs",
                        len(self._marks),
                        describe(error),
                        delay,
                    )
                    self.metrics.inc("delivery.flush_errors")
                    await asyncio.sleep(delay)
                    continue
                failures = 0
                if self.journal is not None:
                    self.journal.settled(taken)
                self.unflushed.difference_update(taken)
                self._on_flushed(taken.keys())
                if taken:
                    self.metrics.inc("delivery.flushes")
                    self.metrics.inc("delivery.flushed_rows", len(taken))
        finally:
            if not self._marks:
                self.flushed.set()
