"""What the core needs from storage, as protocols (``storage.store`` implements them).

Features see a :class:`Transaction`: the unit of work of one batch of events. Each feature's
handling of one event runs in :meth:`Transaction.feature_scope`; its first write opens a
savepoint, so a feature that fails is rolled back alone while the batch's other effects
commit. Reads cost no savepoint at all, which keeps the common no-op path cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from townsquare.core.actions import Action
from townsquare.core.events import UpdateRejected
from townsquare.core.facts.published import PublishedFact
from townsquare.core.refs import Actor, CommunityRef, MessageRef

EventKey = tuple[str, str, str]
"""``(platform, bot, event_id)``"""


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    bot: str
    lane: str
    action: Action
    attempts: int


@dataclass(frozen=True, slots=True)
class DueJob:
    id: int
    kind: str
    platform: str
    bot: str
    community_id: str | None
    channel_id: str | None
    payload: dict[str, Any]
    due_at: datetime
    created_at: datetime
    """Part of the job's event id: SQLite may give a deleted row's id to a later job, and
    the pair (id, created_at) keeps that job from inheriting the fired one's
    de-duplication record."""


class Transaction(Protocol):
    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction commits (an in-memory cache brought up
        to date); never if it rolls back or the feature scope it was registered in fails."""
        ...

    @property
    def contended(self) -> bool:
        """Whether a writer that records what a platform already accepted (a delivery
        completion) waits for this transaction: the pipeline commits at its next chunk,
        so a SIGKILL meanwhile repeats as few sends as possible (SQLite's one writer)."""
        ...

    async def claim_events(self, keys: Sequence[EventKey], now: datetime) -> set[EventKey]:
        """Record the events as processed; return those not seen before."""
        ...

    def feature_scope(self) -> AbstractAsyncContextManager[None]:
        """Isolate one feature's writes for one event (rolled back alone on error)."""
        ...

    async def enqueue(self, actions: Sequence[Action], now: datetime) -> None: ...

    def publish(self, fact: PublishedFact) -> None:
        """Store a fact with the current feature scope's writes (dropped if it fails), as
        a job due at once (:mod:`core.facts.published`); written at :meth:`flush`."""
        ...

    async def keep_rejected(self, events: Sequence[UpdateRejected], now: datetime) -> None:
        """Store updates no adapter could map, with their native payloads."""
        ...

    async def complete_job(
        self, job_id: int, now: datetime, *, created_at: datetime | None = None
    ) -> None:
        """Mark a fired job done; with ``created_at``, only if it was not replaced since."""
        ...

    async def community_id(self, community: CommunityRef, now: datetime) -> int: ...

    async def settings(self, community: CommunityRef) -> dict[str, Any]: ...

    async def set_setting(
        self, community: CommunityRef, key: str, value: Any, now: datetime
    ) -> None: ...

    async def member_joined(self, community: CommunityRef, member: Actor, at: datetime) -> None:
        """Record a join; may be written only at :meth:`flush` (a burst of joins in one
        statement), but every roster read of this transaction sees it."""
        ...

    async def flush(self) -> None:
        """Write what this transaction's methods kept for later (the roster's joins);
        the pipeline calls it at the end of every chunk of events."""
        ...

    async def member_left(self, community: CommunityRef, member: Actor, at: datetime) -> None: ...

    async def member_count(self, community: CommunityRef) -> int: ...

    async def member_since(self, community: CommunityRef, user_id: str) -> datetime | None:
        """When the member joined ``community`` as the roster saw it (the latest join, if
        they are in it now); None for someone who left, or who was there before the bot
        and never seen joining."""
        ...

    async def schedule(
        self,
        *,
        kind: str,
        due_at: datetime,
        platform: str,
        bot: str,
        payload: dict[str, Any],
        community_id: str | None = None,
        channel_id: str | None = None,
        key: str | None = None,
        now: datetime,
    ) -> int:
        """Store a job; a job with the same ``key`` is replaced (one deadline per poll),
        atomically, so concurrent schedules of one key from several processes never fail."""
        ...

    async def cancel_job(self, key: str) -> bool: ...


class Store(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Transaction]: ...

    async def claim_outbox(
        self,
        bots: Collection[str],
        now: datetime,
        *,
        limit: int,
        lease_seconds: float,
        owner: str,
        exclude: Collection[int] = (),
        per_lane: int | None = None,
    ) -> list[OutboxItem]:
        """Lease up to ``limit`` due rows (at most ``per_lane`` of one lane, none of a
        lane another owner holds) until ``lease_seconds`` from ``now``."""
        ...

    async def renew_outbox(self, ids: Collection[int], until: datetime) -> None: ...

    async def release_outbox(self, owner: str, *, keep: Collection[int] = ()) -> int:
        """End ``owner``'s leases on pending rows (but ``keep``); return how many."""
        ...

    async def outbox_done(
        self,
        item: OutboxItem,
        status: str,
        now: datetime,
        *,
        remember: tuple[str, MessageRef] | None = None,
        error: str | None = None,
        follow_up: Sequence[Action] = (),
    ) -> None:
        """Finish a row (``sent``, ``failed`` or ``superseded``) with ``item.attempts`` as
        the attempts made; ``remember`` stores the
        platform message under a key for later edits, and ``follow_up`` actions (a notice
        that the row was refused) are enqueued, in the same transaction."""
        ...

    async def outbox_retry(
        self,
        item: OutboxItem,
        next_attempt_at: datetime,
        error: str,
        *,
        locked_until: datetime | None = None,
    ) -> None:
        """Record a failed attempt (``item.attempts`` so far); the row stays pending,
        leased until ``locked_until`` (None: free for any worker once due)."""
        ...

    async def sent_message(self, bot: str, key: str) -> MessageRef | None: ...

    async def key_pending(self, bot: str, key: str, before_id: int) -> bool:
        """Whether a send under ``key`` older than row ``before_id`` awaits delivery."""
        ...

    async def pending_outbox(self, bots: Collection[str]) -> int: ...

    async def claim_jobs(
        self, bots: Collection[str], now: datetime, *, limit: int, lease_seconds: float
    ) -> list[DueJob]: ...

    async def renew_jobs(self, ids: Collection[int], until: datetime) -> None: ...

    async def release_jobs(self, ids: Collection[int]) -> int: ...

    async def next_job_due(self, bots: Collection[str]) -> datetime | None: ...

    async def prune_processed(self, before: datetime) -> int: ...

    async def prune_outbox(self, *, sent_before: datetime, failed_before: datetime) -> int:
        """Delete finished outbox rows: delivered or superseded ones finished before
        ``sent_before``, failed ones (kept longer, for operators) before ``failed_before``.
        Pending rows and the sent messages' ids (later edits need them) stay."""
        ...

    async def prune_jobs(self, before: datetime) -> int:
        """Delete jobs that fired before ``before``."""
        ...


Completion = tuple[int, str, int]
"""``(outbox row id, status, attempts)`` of a row finished with nothing else to store."""


@runtime_checkable
class GroupCommitStore(Protocol):
    """A store that can finish many outbox rows in one transaction (``storage.store``); the
    delivery worker then marks sent rows in groups instead of one transaction each."""

    async def outbox_done_many(
        self, take: Callable[[], Sequence[Completion]], now: datetime
    ) -> int:
        """Wait for the writer, then call ``take()`` once and mark what it returns, in one
        transaction; return how many rows were marked. Calling ``take`` only once the
        writer is ours lets completions that arrive while waiting join this flush."""
        ...
