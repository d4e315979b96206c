"""Fires due jobs stored in the database.

Jobs are rows with a UTC ``due_at``; the scheduler claims due ones with a lease
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and submits each as a :class:`JobDue` event with
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

from core.events import Event, JobDue
from core.metrics import Metrics
from core.pipeline import Clock, utcnow
from core.refs import ChannelRef, CommunityRef
from core.store import DueJob, Store
from core.waiting import finish, wait_event

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
        lease_seconds: float = 60.0,
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

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="townsquare-scheduler")

    def wake(self) -> None:
        """Look again now (a job was just scheduled)."""
        self._wake.set()

    async def stop(self, grace: float = 5.0) -> None:
        if self._task is not None:
            self._stopping.set()
            self._wake.set()
            await finish([self._task], grace)
            self._task = None

    async def run_once(self) -> int:
        """Fire every job due now; return how many fired."""
        jobs = await self.store.claim_jobs(
            self.bots, self.clock(), limit=100, lease_seconds=self.lease_seconds
        )
        results = await asyncio.gather(
            *(self.submit(job_event(job)) for job in jobs), return_exceptions=True
        )
        for job, result in zip(jobs, results, strict=True):
            if isinstance(result, BaseException):
                log.error("job %s (%s) failed to fire: %s", job.id, job.kind, result)
                self.metrics.inc("jobs.failed")
        self.metrics.inc("jobs.fired", len(jobs))
        return len(jobs)

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
