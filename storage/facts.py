"""Published facts waiting in a transaction to be written as jobs (:mod:`core.facts.published`).

A fact is kept in memory until the end of the pipeline's chunk and then written with the
chunk's other facts in one multi-row insert, rather than in the publishing handler's own
savepoint: a vote's fact then costs no savepoint and no round trip of its own (votes
themselves are written at the chunk's end too, :mod:`storage.polls`). What a feature
scope published is kept apart until the scope ends: dropped if it fails, like its writes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from townsquare.core.facts.published import FACT_JOB, PublishedFact
from townsquare.storage.tables import jobs as _jobs


class PendingFacts:
    """The facts one transaction published and has not written yet."""

    __slots__ = ("_kept", "_scope", "written")

    def __init__(self) -> None:
        self._kept: list[PublishedFact] = []
        self._scope: list[PublishedFact] | None = None
        self.written = 0
        """How many facts this transaction wrote (committed with it, if it commits)."""

    def add(self, fact: PublishedFact) -> None:
        (self._kept if self._scope is None else self._scope).append(fact)

    def enter_scope(self) -> None:
        self._scope = []

    def exit_scope(self, failed: bool) -> None:
        if not failed and self._scope:
            self._kept.extend(self._scope)
        self._scope = None

    async def write(self, connection: AsyncConnection) -> None:
        """Write the kept facts (outside any feature scope: those of an open scope wait
        for it to end)."""
        if not self._kept:
            return
        rows, self._kept = self._kept, []
        await connection.execute(insert(_jobs), [_row(fact) for fact in rows])
        self.written += len(rows)


def _row(fact: PublishedFact) -> dict[str, Any]:
    return {
        "key": None,
        "kind": FACT_JOB,
        "platform": fact.platform,
        "bot": fact.bot,
        "community_id": fact.community_id,
        "channel_id": fact.channel_id,
        "payload": fact.payload,
        "due_at": fact.at,
        "status": "pending",
        "locked_until": None,
        "created_at": fact.at,
        "fired_at": None,
    }
