"""The delivery worker: sends committed outbox rows through the adapters.

* Rows are claimed from the database with a short lease (``lease_seconds``, 30 s;
  ``FOR UPDATE SKIP LOCKED`` on PostgreSQL) renewed every third of it while they are in
  flight, so a crash between commit and send only delays a message by one lease: then
  another process (or the next start) claims the row again. A graceful :meth:`stop`
  releases every lease this worker holds, so the next start or another process sends
  at once.
* Claims are small and fair: at most ``per_lane`` rows of one lane and ``batch`` rows in
  flight per worker, and never a row of a lane another worker holds (its order stays
  whole), so with several processes the lanes spread over them instead of one process
  taking everything while the others idle.
* Each lane (one chat, one member's DMs, one edited message) is delivered in order by its
  own task, paced by per-chat and per-bot send slots (:mod:`core.ratelimit`, shared
  through the database by several processes); one slow chat never holds up another.
* A message that creates a post carries ``idempotency_key`` (the outbox row id, the same
  in every retry and process), which an adapter may give the platform so a send repeated
  after a crash is dropped there (Discord's ``nonce`` + ``enforce_nonce``).
* A 429 is waited out and retried without counting as a failure; other transient errors
  are retried with exponential backoff up to ``max_attempts``, then the row is marked
  ``failed`` and logged as an error. Permanent errors fail at once, loudly.
* Edits of one key are coalesced: an edit superseded by a newer one is not sent, and edits
  of a key are spaced by ``edit_interval`` so live tallies stay within rate limits while
  the last state is always shown (:mod:`core.edits`).
* A direct message (or private file) the platform refuses falls back to a mention in
  ``fallback_channel``.
* A mute, unmute or removal the platform refuses (no permission, a role above the bot's)
  fails at once and its ``on_failure`` notice is enqueued with the failure, in one
  transaction, so managers are told (:mod:`core.refusals`); one that still fails after
  ``max_attempts`` enqueues its ``on_give_up`` notice the same way.
* Completions are recorded until they commit, those that need nothing else stored in
  one group commit (:mod:`core.completions`); :meth:`DeliveryWorker.drain` and
  :meth:`DeliveryWorker.stop` wait for pending flushes.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta

from townsquare.core.actions import (
    Action,
    CancelScheduledEvent,
    CreateScheduledEvent,
    CrosspostMessage,
    DeleteMessage,
    EditMessage,
    PinMessage,
    SendDirect,
    SendFile,
    SendMessage,
    UnpinMessage,
    UpdateScheduledEvent,
)
from townsquare.core.completions import Completions
from townsquare.core.edits import EditPacing
from townsquare.core.errors import (
    DirectMessageRefused,
    PermanentDeliveryError,
    RateLimited,
)
from townsquare.core.metrics import Metrics
from townsquare.core.notices import give_up_notice, refusal_notice
from townsquare.core.pacing import Pacer
from townsquare.core.pipeline import Clock, utcnow
from townsquare.core.ports import Adapter, Delivered
from townsquare.core.ratelimit import MemorySlots, SlotBook
from townsquare.core.refs import MessageRef
from townsquare.core.sending import (
    describe,
    direct_fallback,
    hold,
    send_in,
    wait_for_slot,
    with_idempotency_key,
)
from townsquare.core.sent_journal import SentJournal, SentRow
from townsquare.core.store import OutboxItem, Store
from townsquare.core.waiting import finish, wait_event

log = logging.getLogger(__name__)

_KEYED = (
    EditMessage,
    DeleteMessage,
    PinMessage,
    UnpinMessage,
    CrosspostMessage,
    UpdateScheduledEvent,
    CancelScheduledEvent,
)
"""Actions that may name their message by key (resolved here before they are performed)."""
WAITED = 0.001
"""Seconds of pacing after which a send counts as having waited for its slot (metrics)."""


class DeliveryWorker:
    def __init__(
        self,
        store: Store,
        adapters: Mapping[str, Adapter],
        *,
        metrics: Metrics | None = None,
        clock: Clock = utcnow,
        max_attempts: int = 8,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
        lease_seconds: float = 30.0,
        poll_interval: float = 1.0,
        edit_interval: float = 2.0,
        batch: int = 100,
        per_lane: int = 20,
        flush_window: float = 0.002,
        slots: SlotBook | None = None,
        owner: str | None = None,
        journal: SentJournal | None = None,
    ) -> None:
        self.store = store
        self.adapters = dict(adapters)
        self.metrics = metrics or Metrics()
        self.clock = clock
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.lease_seconds = lease_seconds
        self.poll_interval = poll_interval
        self.batch = batch
        """Rows claimed at most at once, and held in flight at most, by this worker."""
        self.per_lane = per_lane
        """Rows of one lane claimed at most at once (the lane's first ones by id)."""
        self.slots: SlotBook = slots or MemorySlots()
        self.pacer = Pacer(self.slots)
        if not 0 <= flush_window <= lease_seconds / 10:
            raise ValueError("flush_window must be between 0 and a tenth of lease_seconds")
        self.flush_window = flush_window
        """Seconds a completion waits for others to join its flush (then the writer)."""
        self.owner = owner or f"delivery-{random.getrandbits(32):08x}"
        """Whose leases this worker's are: the runtime passes its process's registry owner,
        so the registry hands them back at once when the process is gone
        (:meth:`storage.processes.BotProcesses.reclaim`)."""
        self._wake = asyncio.Event()
        self._rows_left = False
        """The last claim was cut short (by ``batch`` or a lane's ``per_lane``): rows may be
        waiting, so finishing rows here wakes the claim loop instead of the next poll."""
        self._stopping = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._lanes: dict[str, asyncio.Queue[OutboxItem]] = {}
        self._lane_tasks: dict[str, asyncio.Task[None]] = {}
        self._in_flight: set[int] = set()
        self._edits = EditPacing(edit_interval)
        self._tasks: list[asyncio.Task[None]] = []
        self.completions = Completions(
            store,
            clock=clock,
            metrics=self.metrics,
            flush_window=flush_window,
            retry_cap=lease_seconds / 10,
            backoff_base=backoff_base,
            flushed=self._flushed,
            journal=journal,
        )
        """Rows sent here whose completion is not committed stay in ``_in_flight`` (in
        ``completions.unflushed``), so their leases keep being renewed."""
        self.journal = journal
        """Where each accepted send is recorded before its mark (SQLite; see
        :mod:`core.sent_journal`)."""

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._claim_loop(), name="townsquare-delivery"),
                asyncio.create_task(self._renew_loop(), name="townsquare-delivery-lease"),
            ]

    def wake(self) -> None:
        self._wake.set()

    async def drain(self, timeout: float) -> bool:
        """Deliver what is pending now; True if the outbox emptied within ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            self.wake()
            await wait_event(self._idle, deadline - loop.time())
            await wait_event(self.completions.flushed, deadline - loop.time())
            if not self._in_flight and await self.store.pending_outbox(self.adapters) == 0:
                return True
            await wait_event(self._wake, 0.05)
        return False

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming, let each lane finish the row it is sending and the pending
        completions be flushed for ``grace`` seconds each, then cancel, and release every
        lease still held: the rows not sent stay pending and the next start or another
        process sends them at once. A row sent whose mark was not flushed keeps its lease
        (it is sent again once the lease ends, at least once as before)."""
        self._stopping.set()
        self._wake.set()
        await finish(self._tasks, grace)
        await finish(list(self._lane_tasks.values()), grace)
        await self.completions.finish(grace)
        unflushed = set(self.completions.unflushed)
        try:
            released = await self.store.release_outbox(self.owner, keep=unflushed)
        except Exception as error:
            log.warning(
                "cannot release outbox leases (%s); they end within %.0fs",
                error,
                self.lease_seconds,
            )
        else:
            if released:
                log.info("released %d outbox lease(s) for the next start", released)
        self._tasks, self._lane_tasks, self._lanes = [], {}, {}
        self.completions.forget()
        self._in_flight.clear()
        self._idle.set()

    # -- claiming -------------------------------------------------------------------------

    async def _claim_loop(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            self._wake.clear()
            room = self.batch - len(self._in_flight)
            if room <= 0:
                await wait_event(self._wake, self.poll_interval)
                continue
            try:
                items = await self.store.claim_outbox(
                    self.adapters,
                    self.clock(),
                    limit=room,
                    lease_seconds=self.lease_seconds,
                    owner=self.owner,
                    exclude=self._in_flight,
                    per_lane=self.per_lane,
                )
                failures = 0
            except Exception as error:
                failures += 1
                delay = min(self.backoff_cap, self.backoff_base * 2 ** min(failures, 8))
                log.warning("cannot read the outbox (%s); retrying in %.1fs", error, delay)
                self.metrics.inc("delivery.claim_errors")
                await wait_event(self._stopping, delay)
                continue
            for item in items:
                self._route(item)
            counts: dict[str, int] = {}
            for item in items:
                counts[item.lane] = counts.get(item.lane, 0) + 1
            capped = len(items) == room or any(count >= self.per_lane for count in counts.values())
            # Rows sent but not marked yet still count in their lane: the claim may have
            # skipped rows behind them, so look again once those marks are flushed.
            self._rows_left = capped or (self._rows_left and bool(self.completions.unflushed))
            if items and len(items) == room:
                continue
            await wait_event(self._wake, self.poll_interval)

    async def _renew_loop(self) -> None:
        while not await wait_event(self._stopping, self.lease_seconds / 3):
            try:
                until = self.clock() + timedelta(seconds=self.lease_seconds)
                await self.store.renew_outbox(set(self._in_flight), until)
            except Exception as error:
                log.warning("cannot renew outbox leases: %s", error)

    def _route(self, item: OutboxItem) -> None:
        self._in_flight.add(item.id)
        self._idle.clear()
        action = item.action
        if isinstance(action, EditMessage) and action.key is not None:
            self._edits.queued((item.bot, action.key), item.id)
        queue = self._lanes.get(item.lane)
        if queue is None:
            queue = self._lanes[item.lane] = asyncio.Queue()
            self._lane_tasks[item.lane] = asyncio.create_task(
                self._lane(item.lane, queue), name=f"townsquare-lane-{item.lane}"
            )
        queue.put_nowait(item)

    async def _lane(self, lane: str, queue: asyncio.Queue[OutboxItem]) -> None:
        try:
            while not queue.empty() and not self._stopping.is_set():
                item = queue.get_nowait()
                try:
                    await self._deliver(item)
                except Exception:
                    log.exception("delivery of outbox row %s crashed", item.id)
                    self.metrics.inc("delivery.crashes")
                finally:
                    if item.id not in self.completions.unflushed:
                        self._in_flight.discard(item.id)
        finally:
            if self._lanes.get(lane) is queue:
                del self._lanes[lane]
                del self._lane_tasks[lane]
            self._room_freed()
            if not self._lanes:
                self._forget_settled_state()
                self._idle.set()

    def _flushed(self, rows: Collection[int]) -> None:
        self._in_flight.difference_update(rows)
        self._room_freed()

    def _room_freed(self) -> None:
        """Rows finished: claim again now if the last claim left rows behind (a lane's
        next rows become claimable once its earlier ones are marked), else at the poll."""
        if self._rows_left:
            self._wake.set()

    def _forget_settled_state(self) -> None:
        """Drop per-key bookkeeping nothing depends on any more, so a bot that runs for
        months does not keep one entry per message it ever edited."""
        self._edits.forget_settled()

    # -- delivering one row ---------------------------------------------------------------

    async def _deliver(self, item: OutboxItem) -> None:
        action = await self._prepared(item)
        if action is None:
            return
        sent = await self._perform(item, with_idempotency_key(action, item.id))
        if sent is not None:
            await self._finish(item, action, *sent)

    async def _prepared(self, item: OutboxItem) -> Action | None:
        """The row's action ready to perform: a superseded edit is settled, an edit's pacing
        waited for, a key resolved to its message; ``None`` when nothing is left to do."""
        action = item.action
        if not isinstance(action, _KEYED) or action.key is None:
            return action
        if isinstance(action, EditMessage):
            if await self._settled_superseded(item, action.key):
                return None
            await self._edits.space((item.bot, action.key))
            if await self._settled_superseded(item, action.key):
                return None
        if action.message is None:
            target = await self._resolve_key(item, action.key)
            if target is None:
                return None
            action = replace(action, message=target)
        return action

    async def _settled_superseded(self, item: OutboxItem, key: str) -> bool:
        if not self._edits.superseded((item.bot, key), item.id):
            return False
        await self.completions.done(item, "superseded")
        self.metrics.inc("delivery.edits_coalesced")
        return True

    async def _perform(self, item: OutboxItem, action: Action) -> tuple[Delivered, int] | None:
        """Send until it is delivered (with the attempts it took) or settled as failed
        (``None``): 429s are waited out, transient errors retried with backoff."""
        adapter = self.adapters[item.bot]
        attempts = item.attempts
        while True:
            asked = time.monotonic()
            slot = await wait_for_slot(self.pacer, item, adapter)
            if time.monotonic() - asked > WAITED:
                self.metrics.inc("delivery.limiter_waits")
            attempts += 1
            try:
                return await send_in(self.pacer, slot, adapter, action), attempts
            except RateLimited as error:
                attempts -= 1  # waiting out a 429 is not a failure, and never a reason to drop
                wait = error.retry_after if error.retry_after is not None else 1.0
                log.info("%s rate limited on %s; waiting %.1fs", item.bot, item.lane, wait)
                self.metrics.inc("delivery.rate_limited")
                await hold(self.pacer, item, adapter, wait)
            except DirectMessageRefused as error:
                if (
                    isinstance(action, SendDirect | SendFile)
                    and action.fallback_channel is not None
                ):
                    return await self._in_fallback_channel(item, action), attempts
                await self._fail(item, attempts, error)
                return None
            except PermanentDeliveryError as error:
                await self._fail(item, attempts, error, follow_up=refusal_notice(action, error))
                return None
            except Exception as error:
                if attempts >= self.max_attempts:
                    notice = give_up_notice(action, error)
                    await self._fail(item, attempts, error, follow_up=notice)
                    return None
                await self._retry_later(item, action, attempts, error)

    async def _in_fallback_channel(
        self, item: OutboxItem, action: SendDirect | SendFile
    ) -> Delivered:
        adapter = self.adapters[item.bot]
        delivered = await direct_fallback(adapter, action, item.id)
        if isinstance(action, SendDirect) and action.fallback_text is not None:
            # The chat got other words than the private message: later edits of its key
            # (a case card) must never turn them into that message.
            delivered = replace(delivered, messages=())
        self.metrics.inc("delivery.direct_fallbacks")
        return delivered

    async def _retry_later(
        self, item: OutboxItem, action: Action, attempts: int, error: Exception
    ) -> None:
        """Record the failed attempt (so a crash does not forget it) and wait the backoff."""
        delay = self._backoff(attempts, error)
        log.warning(
            "delivery of outbox row %s (%s via %s) failed: %s; retry %d/%d in %.1fs",
            item.id,
            action.kind,
            item.bot,
            describe(error),
            attempts,
            self.max_attempts - 1,
            delay,
        )
        self.metrics.inc("delivery.retries")
        next_at = self.clock() + timedelta(seconds=delay)
        await self.store.outbox_retry(
            replace(item, attempts=attempts),
            next_at,
            str(error),
            locked_until=next_at + timedelta(seconds=self.lease_seconds),
        )
        await asyncio.sleep(delay)

    async def _finish(
        self, item: OutboxItem, action: Action, delivered: Delivered, attempts: int
    ) -> None:
        """Mark the row sent, remembering the message a keyed send created."""
        remember = None
        key = getattr(action, "key", None)
        created = SendMessage | SendDirect | CreateScheduledEvent
        if key is not None and delivered.messages and isinstance(action, created):
            remember = (key, delivered.messages[-1])
        if self.journal is not None:
            self.journal.sent(SentRow(item.id, item.bot, attempts, remember))
        if isinstance(action, EditMessage) and action.key is not None:
            self._edits.delivered((item.bot, action.key), item.id)
        if remember is None:
            await self.completions.done(replace(item, attempts=attempts), "sent")
        else:
            sent = replace(item, attempts=attempts)
            await self.completions.record(
                item, lambda: self.store.outbox_done(sent, "sent", self.clock(), remember=remember)
            )
        self.metrics.inc("delivery.sent")

    async def _resolve_key(self, item: OutboxItem, key: str) -> MessageRef | None:
        """The platform message sent under ``key``; None when this row was deferred or
        failed because there is none (yet)."""
        target = await self.store.sent_message(item.bot, key)
        if target is not None:
            return target
        if await self.store.key_pending(item.bot, key, item.id):
            # The message is not sent yet; come back shortly without counting a failure.
            await self.store.outbox_retry(
                item,
                self.clock() + timedelta(seconds=1),
                f"waiting for message {key!r} to be sent",
            )
            return None
        # It may have been sent between the two reads above.
        target = await self.store.sent_message(item.bot, key)
        if target is None and isinstance(item.action, UnpinMessage):
            # Nothing was pinned under that key (the previous post went elsewhere).
            await self.completions.done(item, "superseded")
            return None
        if target is None:
            error = PermanentDeliveryError(f"no message sent as {key!r}")
            await self._fail(item, item.attempts, error)
        return target

    async def _fail(
        self,
        item: OutboxItem,
        attempts: int,
        error: BaseException,
        *,
        follow_up: Sequence[Action] = (),
    ) -> None:
        log.error(
            "gave up delivering outbox row %s (%s via %s, lane %s) after %d attempt(s): %s",
            item.id,
            item.action.kind,
            item.bot,
            item.lane,
            attempts,
            describe(error),
        )
        self.metrics.inc("delivery.failed")
        failed = replace(item, attempts=attempts)
        await self.completions.record(
            item,
            lambda: self.store.outbox_done(
                failed, "failed", self.clock(), error=describe(error), follow_up=follow_up
            ),
        )
        if follow_up:
            refused = isinstance(error, PermanentDeliveryError)
            log.warning(
                "outbox row %s (%s via %s) %s; managers are told",
                item.id,
                item.action.kind,
                item.bot,
                "was refused" if refused else "kept failing",
            )
            self.metrics.inc("delivery.refusal_notices" if refused else "delivery.give_up_notices")
            self.wake()

    def _backoff(self, attempts: int, error: BaseException) -> float:
        hinted = getattr(error, "retry_after", None)
        if isinstance(hinted, int | float) and hinted > 0:
            return float(hinted)
        delay: float = min(self.backoff_cap, self.backoff_base * 2 ** (attempts - 1))
        return delay * random.uniform(0.8, 1.2)
