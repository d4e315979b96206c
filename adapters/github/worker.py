"""Opens the GitHub issues ``/feedback issue`` asked for, from their rows in the database.

The request is a row (``github_issues``, :mod:`storage.github`) written in the command's
transaction, so it survives a restart and any process may carry it out. The worker claims
due rows with a short lease (renewed while a call is in flight, released by a graceful
stop), opens the issue (:meth:`~adapters.github.client.GithubClient.open_issue`: a try
after the first looks for the issue an earlier one may have opened, so one idea never gets
two issues), and hands the outcome to the core as an event through the pipeline
(:class:`~core.events.GithubIssueOpened`, or :class:`~core.events.GithubIssueRefused`
when GitHub refuses for good), whose handler records it and tells the manager in the same
transaction. The event's id is fixed per request, so handing it over twice (a crash
between the two) is harmless.

GitHub unavailable (5xx, a rate limit, no connection) after the client's own retries: the
row is due again later, with exponential backoff from ``backoff_base`` to ``backoff_cap``
(or GitHub's ``Retry-After`` when longer), and tried until it opens or is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Protocol

from townsquare.adapters.github.client import (
    GithubClient,
    GithubError,
    GithubRefused,
    GithubUnavailable,
    Issue,
)
from townsquare.core.events import Event, GithubIssueOpened, GithubIssueRefused
from townsquare.core.feedback.github import IssueRequest
from townsquare.core.metrics import Metrics
from townsquare.core.refs import ChannelRef, CommunityRef
from townsquare.core.waiting import wait_event

log = logging.getLogger(__name__)

Submit = Callable[[Event], Awaitable[None]]


class Requests(Protocol):
    """The requests' rows as the worker claims them (``storage.github.SqlGithubIssues``)."""

    async def claim(
        self, now: datetime, *, limit: int, lease_seconds: float
    ) -> list[IssueRequest]: ...

    async def renew(self, ids: Collection[int], until: datetime) -> None: ...

    async def release(self, ids: Collection[int]) -> None: ...

    async def release_all(self) -> None: ...

    async def retry(self, request_id: int, at: datetime, error: str) -> None: ...

    async def next_due(self) -> datetime | None: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


class IssueWorker:
    def __init__(
        self,
        issues: Requests,
        client: GithubClient,
        submit: Submit,
        *,
        metrics: Metrics | None = None,
        clock: Callable[[], datetime] = _utcnow,
        poll_interval: float = 5.0,
        lease_seconds: float = 60.0,
        backoff_base: float = 30.0,
        backoff_cap: float = 1800.0,
        alone: bool = False,
    ) -> None:
        self.issues = issues
        self.client = client
        self.submit = submit
        self.metrics = metrics or Metrics()
        self.clock = clock
        self.poll_interval = poll_interval
        self.lease_seconds = lease_seconds
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.alone = alone
        """Alone on the database (SQLite): leases left by a killed process end at start."""
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._held: set[int] = set()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        if not self._tasks:
            self._stopping.clear()
            self._tasks = [
                asyncio.create_task(self._run(), name="townsquare-github"),
                asyncio.create_task(self._renew(), name="townsquare-github-lease"),
            ]

    def wake(self) -> None:
        self._wake.set()

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming; a call in flight gets ``grace`` seconds, then every lease still
        held is released, so the next start (or another process) tries at once."""
        self._stopping.set()
        self._wake.set()
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=grace)
            for task in pending:
                task.cancel()
            for task in self._tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            self._tasks = []
        if self._held:
            try:
                await self.issues.release(set(self._held))
            except Exception as error:
                log.warning("cannot release GitHub request leases (%s); they end soon", error)
            self._held.clear()
        await self.client.close()

    async def _run(self) -> None:
        failures = 0
        await self._check()
        if self.alone:
            try:
                await self.issues.release_all()
            except Exception as error:
                log.warning("cannot release old GitHub request leases: %s", error)
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                handled = await self.run_once()
                failures = 0
            except Exception as error:
                failures += 1
                delay = min(60.0, 2.0**failures)
                log.warning("cannot read GitHub requests (%s); again in %.0fs", error, delay)
                await wait_event(self._stopping, delay)
                continue
            if not handled:
                await wait_event(self._wake, await self._idle_wait())

    async def _check(self) -> None:
        """Say at start, in one line, when the token cannot reach the repository (the
        requests wait: they are tried again as they fall due)."""
        try:
            await self.client.check()
        except GithubRefused as error:
            log.error("GitHub: %s; /feedback issue cannot open issues until it is fixed", error)
        except GithubUnavailable as error:
            log.warning("GitHub: %s; requests are tried again later", error)
        else:
            log.info("GitHub: %s is reachable; ideas' issues open there", self.client.repo)

    async def _idle_wait(self) -> float:
        try:
            due = await self.issues.next_due()
        except Exception:
            return self.poll_interval
        if due is None:
            return self.poll_interval
        return max(0.05, min(self.poll_interval, (due - self.clock()).total_seconds()))

    async def _renew(self) -> None:
        while not await wait_event(self._stopping, self.lease_seconds / 3):
            try:
                until = self.clock() + timedelta(seconds=self.lease_seconds)
                await self.issues.renew(set(self._held), until)
            except Exception as error:
                log.warning("cannot renew GitHub request leases: %s", error)

    async def run_once(self) -> int:
        """Carry out every request due now; return how many were tried."""
        requests = await self.issues.claim(self.clock(), limit=10, lease_seconds=self.lease_seconds)
        for request in requests:
            if self._stopping.is_set():
                break
            self._held.add(request.id)
            try:
                await self._carry_out(request)
            finally:
                self._held.discard(request.id)
        not_tried = [r.id for r in requests if r.id in self._held]
        if not_tried:
            await self.issues.release(not_tried)
        return len(requests)

    async def _carry_out(self, request: IssueRequest) -> None:
        try:
            issue = await self.client.open_issue(
                request.title, request.body, request.marker, maybe_opened=request.attempts > 1
            )
        except GithubRefused as error:
            log.error("GitHub refused the issue of idea #%d: %s", request.idea_number, error)
            self.metrics.inc("github.issues", result="refused")
            await self._hand_over(request, _refused(request, error, self.clock()))
        except GithubUnavailable as error:
            delay = self._backoff(request.attempts, error.retry_after)
            log.warning(
                "cannot open the GitHub issue of idea #%d (try %d): %s; again in %.0fs",
                request.idea_number,
                request.attempts,
                error,
                delay,
            )
            self.metrics.inc("github.issues", result="retried")
            await self.issues.retry(request.id, self.clock() + timedelta(seconds=delay), str(error))
        else:
            log.info("GitHub issue #%d opened for idea #%d", issue.number, request.idea_number)
            self.metrics.inc("github.issues", result="opened")
            await self._hand_over(request, _opened(request, issue, self.clock()))

    async def _hand_over(self, request: IssueRequest, event: Event) -> None:
        """Submit the outcome; if the pipeline cannot take it (stopping), the row stays
        pending and its next try finds the issue again."""
        try:
            await self.submit(event)
        except Exception as error:
            log.warning(
                "the outcome of idea #%d's GitHub issue is not stored yet (%s); "
                "it is looked up again at the next try",
                request.idea_number,
                error,
            )
            await self.issues.release([request.id])

    def _backoff(self, attempts: int, hinted: float | None) -> float:
        delay = min(self.backoff_cap, self.backoff_base * 2.0 ** max(attempts - 1, 0))
        delay *= random.uniform(0.8, 1.2)
        return max(delay, hinted or 0.0)


def _community(request: IssueRequest) -> CommunityRef | None:
    if request.community_id is None:
        return None
    return CommunityRef(request.platform, request.community_id)


def _opened(request: IssueRequest, issue: Issue, now: datetime) -> GithubIssueOpened:
    return GithubIssueOpened(
        platform=request.platform,
        bot=request.bot,
        event_id=f"github-issue:{request.id}:opened",
        occurred_at=now,
        community=_community(request),
        channel=ChannelRef(request.channel_id),
        actor=None,
        request_id=request.id,
        repo=request.repo,
        number=issue.number,
        url=issue.url,
    )


def _refused(request: IssueRequest, error: GithubError, now: datetime) -> GithubIssueRefused:
    asked = round(request.next_attempt_at.timestamp() * 1_000_000)
    return GithubIssueRefused(
        platform=request.platform,
        bot=request.bot,
        event_id=f"github-issue:{request.id}:refused:{asked}",
        occurred_at=now,
        community=_community(request),
        channel=ChannelRef(request.channel_id),
        actor=None,
        request_id=request.id,
        reason=str(error),
    )
