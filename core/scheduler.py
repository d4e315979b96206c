"""Fires due jobs stored in the database.

Jobs are rows with a UTC ``due_at``; the scheduler claims due ones with a short lease
(``lease_seconds``, 30 s; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), renewed every third of
it while their events are being processed and released by a graceful :meth:`stop`, so
after a crash another process fires them within one lease, and after a stop at once. It
submits each as a :class:`JobDue` event with
event id ``job:<id>:<created_at in µs>`` (ids alone can be reused by SQLite after a
delete). The pipeline marks the job done in the same transaction as the
handler's effects, and its de-duplication record makes a job fire once even if two
processes or a restart raced for it. Jobs that fell due while the bot was down fire at the
next start.

Once an hour it also prunes what is no longer needed: old de-duplication records, finished
outbox rows and fired jobs (the periods below).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from townsquare.core.events import Event, JobDue
from townsquare.core.metrics import Metrics
from townsquare.core.pipeline import Clock, utcnow
from townsquare.core.refs import ChannelRef, CommunityRef
from townsquare.core.store import DueJob, Store
from townsquare.core.waiting import finish, wait_event

log = logging.getLogger(__name__)

PROCESSED_EVENTS_KEPT = timedelta(days=7)
"""Long past every platform's redelivery window (Slack: 5 min, Telegram: 24 h)."""
DELIVERED_KEPT = timedelta(days=7)
"""Delivered outbox rows: a week of history for operators, then the table stays small."""
FAILED_KEPT = timedelta(days=30)
"""Outbox rows that could not be delivered stay longer: an operator may look into them."""
FIRED_JOBS_KEPT = timedelta(days=30)


def job_event(job: DueJob) -> JobDue:
    return JobDue(
        platform=job.platform,
        bot=job.bot,
        event_id=f"job:{job.id}:{round(job.created_at.timestamp() * 1_000_000)}",
        occurred_at=job.due_at,
        community=CommunityRef(job.platform, job.community_id) if job.community_id else None,
        channel=ChannelRef(job.channel_id) if job.channel_id else None,
        actor=None,
        job_id=job.id,
        job_kind=job.kind,
        payload=job.payload,
        job_created_at=job.created_at,
    )


class Scheduler:
    def __init__(
        self,
        store: Store,
        submit: Callable[[Event], Awaitable[None]],
        bots: Mapping[str, str],
        *,
        clock: Clock = utcnow,
        poll_interval: float = 1.0,
        lease_seconds: float = 30.0,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.submit = submit
        self.bots = dict(bots)  # bot name -> platform
        self.clock = clock
        self.poll_interval = poll_interval
        self.lease_seconds = lease_seconds
        self.metrics = metrics or Metrics()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_prune = self.clock() - timedelta(days=1)
        self._firing: set[int] = set()
        """Jobs claimed here whose events are not committed yet (leases to renew)."""
        self._turn = asyncio.Lock()
        """One firing at a time: a caller of :meth:`run_once` beside the loop (a test
        driving time) waits until the loop's firing committed, so it sees its effects."""

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="townsquare-scheduler")

    def wake(self) -> None:
        """Look again now (a job was just scheduled)."""
        self._wake.set()

    async def stop(self, grace: float = 5.0) -> None:
        """Stop firing; the leases of jobs claimed but not fired are released, so the next
        start (or another process) fires them at once."""
        if self._task is not None:
            self._stopping.set()
            self._wake.set()
            await finish([self._task], grace)
            self._task = None
        if self._firing:
            try:
                await self.store.release_jobs(set(self._firing))
            except Exception as error:
                log.warning(
                    "cannot release job leases (%s); they end within %.0fs",
                    error,
                    self.lease_seconds,
                )
            self._firing.clear()

    async def run_once(self) -> int:
        """Fire every job due now; return how many fired."""
        async with self._turn:
            return await self._fire_due()

    async def _fire_due(self) -> int:
        jobs = await self.store.claim_jobs(
            self.bots, self.clock(), limit=100, lease_seconds=self.lease_seconds
        )
        if not jobs:
            return 0
        self._firing.update(job.id for job in jobs)
        renewing = asyncio.create_task(self._renew(), name="townsquare-scheduler-lease")
        try:
            results = await asyncio.gather(
                *(self.submit(job_event(job)) for job in jobs), return_exceptions=True
            )
        finally:
            renewing.cancel()
        for job, result in zip(jobs, results, strict=True):
            if isinstance(result, BaseException):
                # Its lease runs out (a retry in one lease), or a stop releases it.
                log.error("job %s (%s) failed to fire: %s", job.id, job.kind, result)
                self.metrics.inc("jobs.failed")
            else:
                self._firing.discard(job.id)
        self.metrics.inc("jobs.fired", len(jobs))
        return len(jobs)

    async def _renew(self) -> None:
        """Keep the leases of the jobs being fired while the pipeline processes them."""
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            until = self.clock() + timedelta(seconds=self.lease_seconds)
            try:
                await self.store.renew_jobs(set(self._firing), until)
            except Exception as error:
                log.warning("cannot renew job leases: %s", error)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                fired = await self.run_once()
                await self._prune()
            except Exception as error:
                log.warning("scheduler cannot reach the database: %s", error)
                fired = 0
            if fired:
                continue
            await wait_event(self._wake, await self._sleep_time())

    async def _sleep_time(self) -> float:
        try:
            due = await self.store.next_job_due(self.bots)
        except Exception:
            return self.poll_interval
        if due is None:
            return self.poll_interval
        return max(0.0, min(self.poll_interval, (due - self.clock()).total_seconds()))

    async def _prune(self) -> None:
        now = self.clock()
        if now - self._last_prune >= timedelta(hours=1):
            self._last_prune = now
            processed = await self.store.prune_processed(now - PROCESSED_EVENTS_KEPT)
            outbox = await self.store.prune_outbox(
                sent_before=now - DELIVERED_KEPT, failed_before=now - FAILED_KEPT
            )
            jobs = await self.store.prune_jobs(now - FIRED_JOBS_KEPT)
            if processed or outbox or jobs:
                log.info(
                    "pruned %d de-duplication records, %d finished outbox rows and %d fired jobs",
                    processed,
                    outbox,
                    jobs,
                )
