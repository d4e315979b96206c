"""SQL side of the GitHub link (:mod:`storage.github_models`).

Two views of the same tables:

* :class:`SqlGithubStore` over the batch's transaction, for the core's handlers: an
  idea's request written by ``/feedback issue``, its outcome recorded when the worker's
  event comes back, webhook deliveries recorded as seen;
* :class:`SqlGithubIssues` over the engine, for the worker (claim due requests with a
  short lease, as the outbox's rows are; put them back with a later due time) and the
  webhook's route (read which request an issue belongs to; whether a delivery was seen).

A request is claimed by one guarded UPDATE (``locked_until`` unset or past; PostgreSQL
``SKIP LOCKED``), which also counts the attempt, so two processes never open one idea's
issue at once, and a try after a crash knows an earlier one may have reached GitHub.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, update

from townsquare.core.feedback.github import IssueRequest, NewRequest
from townsquare.storage.database import reader
from townsquare.storage.github_models import GithubDeliveryRow, GithubIssueRow
from townsquare.storage.store import SqlStore
from townsquare.storage.transaction import SqlTransaction

_issues: Table = GithubIssueRow.__table__  # type: ignore[assignment]
_deliveries: Table = GithubDeliveryRow.__table__  # type: ignore[assignment]

PENDING, OPENED, FAILED = "pending", "opened", "failed"
__all__ = [
    "FAILED",
    "OPENED",
    "PENDING",
    "IssueRequest",
    "NewRequest",
    "SqlGithubIssues",
    "SqlGithubStore",
]


def _request(row: Any) -> IssueRequest:
    return IssueRequest(**{name: getattr(row, name) for name in IssueRequest.__slots__})


class SqlGithubStore:
    """The GitHub link's rows over one :class:`SqlTransaction`."""

    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    async def for_idea(self, idea_id: int) -> IssueRequest | None:
        result = await self.tx.execute(select(_issues).where(_issues.c.idea_id == idea_id))
        row = result.first()
        return _request(row) if row is not None else None

    async def get(self, request_id: int) -> IssueRequest | None:
        result = await self.tx.execute(select(_issues).where(_issues.c.id == request_id))
        row = result.first()
        return _request(row) if row is not None else None

    async def request(self, new: NewRequest, now: datetime) -> tuple[IssueRequest, bool]:
        """The idea's request, and whether this call made it due: written when there is
        none, due again when the last one failed; one opened or pending is left alone
        (an idea gets one issue, however often a manager asks)."""
        found = await self.for_idea(new.idea_id)
        if found is not None and found.state != FAILED:
            return found, False
        values = {
            **{name: getattr(new, name) for name in NewRequest.__slots__},
            "title": new.title[:256],
            "requested_by_name": new.requested_by_name[:256],
            "state": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "locked_until": None,
            "last_error": None,
            "number": None,
            "url": None,
            "created_at": now,
            "opened_at": None,
        }
        if found is None:
            result = await self.tx.execute(_issues.insert().values(**values).returning(*_issues.c))
        else:
            del values["created_at"], values["marker"]
            result = await self.tx.execute(
                update(_issues)
                .where(_issues.c.id == found.id, _issues.c.state == FAILED)
                .values(**values)
                .returning(*_issues.c)
            )
        return _request(result.one()), True

    async def opened(
        self, request_id: int, number: int, url: str, now: datetime
    ) -> IssueRequest | None:
        """Record the issue opened for a pending request; None when it was recorded
        already (the worker's event came twice) or the request is gone."""
        result = await self.tx.execute(
            update(_issues)
            .where(_issues.c.id == request_id, _issues.c.state == PENDING)
            .values(state=OPENED, number=number, url=url[:512], opened_at=now, locked_until=None)
            .returning(*_issues.c)
        )
        row = result.first()
        return _request(row) if row is not None else None

    async def refused(self, request_id: int, error: str) -> IssueRequest | None:
        """Record that GitHub refused a pending request; None when it is not pending."""
        result = await self.tx.execute(
            update(_issues)
            .where(_issues.c.id == request_id, _issues.c.state == PENDING)
            .values(state=FAILED, last_error=error[:2000], locked_until=None)
            .returning(*_issues.c)
        )
        row = result.first()
        return _request(row) if row is not None else None

    async def delivered(self, delivery_id: str, now: datetime) -> bool:
        """Record a webhook delivery; False when it was recorded before (a replay)."""
        found = await self.tx.execute(
            select(_deliveries.c.delivery_id).where(_deliveries.c.delivery_id == delivery_id)
        )
        if found.first() is not None:
            return False
        await self.tx.execute(_deliveries.insert().values(delivery_id=delivery_id, received_at=now))
        return True


class SqlGithubIssues:
    """The requests as the worker and the webhook's route see them (outside batches)."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.engine = store.engine
        self._reader = reader(store.engine)

    async def claim(self, now: datetime, *, limit: int, lease_seconds: float) -> list[IssueRequest]:
        """Lease up to ``limit`` due pending requests, counting an attempt on each."""
        rows = await self.store._claim(
            _issues,
            [_issues.c.state == PENDING, _issues.c.next_attempt_at <= now],
            order_by=[_issues.c.next_attempt_at, _issues.c.id],
            limit=limit,
            now=now,
            lease_seconds=lease_seconds,
            returning=[column.name for column in _issues.c],
            extra_values={"attempts": _issues.c.attempts + 1},
        )
        return [_request(row) for row in rows]

    async def renew(self, ids: Collection[int], until: datetime) -> None:
        if ids:
            await self._update(ids, locked_until=until)

    async def release(self, ids: Collection[int]) -> None:
        """End the leases, so the next start (or another process) tries at once."""
        if ids:
            await self._update(ids, locked_until=None)

    async def release_all(self) -> None:
        """End every lease: for a process that knows it is alone on the database (SQLite,
        whose lock it holds), so what a killed process held is tried at once."""
        statement = (
            update(_issues)
            .where(_issues.c.state == PENDING, _issues.c.locked_until.is_not(None))
            .values(locked_until=None)
        )
        async with self.store._writing(), self.engine.begin() as connection:
            await connection.execute(statement)

    async def retry(self, request_id: int, at: datetime, error: str) -> None:
        """Try again at ``at`` (any process); ``error`` is why this try failed."""
        await self._update(
            [request_id], next_attempt_at=at, locked_until=None, last_error=error[:2000]
        )

    async def _update(self, ids: Collection[int], **values: Any) -> None:
        statement = (
            update(_issues)
            .where(_issues.c.id.in_(list(ids)), _issues.c.state == PENDING)
            .values(**values)
        )
        async with self.store._writing(), self.engine.begin() as connection:
            await connection.execute(statement)

    async def next_due(self) -> datetime | None:
        async with self._reader.connect() as connection:
            found = await connection.execute(
                select(_issues.c.next_attempt_at)
                .where(_issues.c.state == PENDING)
                .order_by(_issues.c.next_attempt_at)
                .limit(1)
            )
            due: datetime | None = found.scalar()
        return due

    async def of_issue(self, repo: str, number: int, marker: str | None) -> IssueRequest | None:
        """The request whose issue this is: by number once recorded, else (the worker's
        event still on its way) by the marker in the issue's body."""
        conditions = [(_issues.c.repo == repo) & (_issues.c.number == number)]
        if marker is not None:
            conditions.append((_issues.c.marker == marker) & _issues.c.number.is_(None))
        async with self._reader.connect() as connection:
            for condition in conditions:
                row = (await connection.execute(select(_issues).where(condition))).first()
                if row is not None:
                    return _request(row)
        return None

    async def seen(self, delivery_id: str) -> bool:
        """Whether a webhook delivery with this id reached the core already."""
        async with self._reader.connect() as connection:
            found = await connection.execute(
                select(_deliveries.c.delivery_id).where(_deliveries.c.delivery_id == delivery_id)
            )
            return found.first() is not None
