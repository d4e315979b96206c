"""SQL side of :mod:`core.faq`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import Table, case, delete, func, select, update

from townsquare.core.faq.store import EMPTY, Entry, EntryStats, NewEntry, Revision, Unanswered
from townsquare.core.refs import CommunityRef
from townsquare.storage.faq_models import (
    FaqCooldownRow,
    FaqEntryRow,
    FaqStateRow,
    FaqUnansweredRow,
    FaqVoteRow,
)
from townsquare.storage.faq_privacy import FaqPersonalData
from townsquare.storage.store import SqlTransaction

_entries: Table = FaqEntryRow.__table__  # type: ignore[assignment]
_state: Table = FaqStateRow.__table__  # type: ignore[assignment]
_votes: Table = FaqVoteRow.__table__  # type: ignore[assignment]
_cooldowns: Table = FaqCooldownRow.__table__  # type: ignore[assignment]
_unanswered: Table = FaqUnansweredRow.__table__  # type: ignore[assignment]

HISTORY = 64
"""Revisions whose tokens are kept: an index at most this far behind is patched, not
rebuilt."""


def _entry(row: Any) -> Entry:
    return Entry(
        id=row.id,
        question=row.question,
        answer=row.answer,
        revision=row.revision,
        removed=row.removed,
        author_id=row.author_id,
        author_platform=row.author_platform,
    )


class SqlFaqStore(FaqPersonalData):
    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    @staticmethod
    def _of(table: Table, community: CommunityRef) -> list[Any]:
        return [table.c.platform == community.platform, table.c.community_id == community.id]

    # -- revisions ----------------------------------------------------------------------

    async def revision(self, community: CommunityRef) -> Revision:
        row = (
            await self.tx.connection.execute(
                select(_state.c.revision, _state.c.token).where(*self._of(_state, community))
            )
        ).first()
        return Revision(row.revision, row.token) if row is not None else EMPTY

    async def history(self, community: CommunityRef) -> dict[int, str]:
        value = await self.tx.connection.scalar(
            select(_state.c.history).where(*self._of(_state, community))
        )
        if not value:
            return {}
        return {int(number): token for number, token in value.get("tokens", {}).items()}

    async def bump(self, community: CommunityRef, now: datetime) -> Revision:
        await self.tx.execute(
            self.tx.store._insert(_state)
            .values(
                platform=community.platform,
                community_id=community.id,
                revision=0,
                token="",
                history={"tokens": {"0": ""}},
                updated_at=now,
            )
            .on_conflict_do_nothing()
        )
        locked = select(_state.c.revision, _state.c.history).where(*self._of(_state, community))
        if self.tx.store.dialect == "postgresql":
            locked = locked.with_for_update()
        row = (await self.tx.execute(locked)).one()
        number = int(row.revision) + 1
        token = uuid4().hex
        tokens = dict((row.history or {}).get("tokens", {}))
        tokens[str(number)] = token
        kept = sorted(tokens, key=int)[-HISTORY:]
        await self.tx.execute(
            update(_state)
            .where(*self._of(_state, community))
            .values(
                revision=number,
                token=token,
                history={"tokens": {key: tokens[key] for key in kept}},
                updated_at=now,
            )
        )
        return Revision(number, token)

    # -- entries ------------------------------------------------------------------------

    async def entries(self, community: CommunityRef) -> list[Entry]:
        rows = await self.tx.connection.execute(
            select(_entries)
            .where(*self._of(_entries, community), _entries.c.removed.is_(False))
            .order_by(_entries.c.id)
        )
        return [_entry(row) for row in rows]

    async def changed_since(self, community: CommunityRef, number: int) -> list[Entry]:
        rows = await self.tx.connection.execute(
            select(_entries)
            .where(*self._of(_entries, community), _entries.c.revision > number)
            .order_by(_entries.c.revision, _entries.c.id)
        )
        return [_entry(row) for row in rows]

    async def get(self, community: CommunityRef, entry_id: int) -> Entry | None:
        row = (
            await self.tx.connection.execute(
                select(_entries).where(
                    *self._of(_entries, community),
                    _entries.c.id == entry_id,
                    _entries.c.removed.is_(False),
                )
            )
        ).first()
        return _entry(row) if row is not None else None

    async def add(
        self, community: CommunityRef, entries: Sequence[NewEntry], revision: int, now: datetime
    ) -> list[int]:
        if not entries:
            return []
        rows = [
            {
                "platform": community.platform,
                "community_id": community.id,
                "question": entry.question,
                "answer": entry.answer,
                "revision": revision,
                "removed": False,
                "hits": 0,
                "created_at": now,
                "updated_at": now,
                "author_id": entry.author_id,
                "author_platform": entry.author_platform,
            }
            for entry in entries
        ]
        ids: list[int] = []
        for start in range(0, len(rows), 500):
            result = await self.tx.execute(
                _entries.insert().values(rows[start : start + 500]).returning(_entries.c.id)
            )
            ids.extend(sorted(int(value) for value in result.scalars()))
        return ids

    async def edit(
        self,
        community: CommunityRef,
        entry_id: int,
        revision: int,
        now: datetime,
        *,
        answer: str | None = None,
        question: str | None = None,
    ) -> bool:
        values: dict[str, Any] = {"revision": revision, "updated_at": now}
        if answer is not None:
            values["answer"] = answer
        if question is not None:
            values["question"] = question
        result = await self.tx.execute(
            update(_entries)
            .where(
                *self._of(_entries, community),
                _entries.c.id == entry_id,
                _entries.c.removed.is_(False),
            )
            .values(**values)
        )
        return bool(result.rowcount)

    async def remove(
        self, community: CommunityRef, entry_id: int, revision: int, now: datetime
    ) -> bool:
        result = await self.tx.execute(
            update(_entries)
            .where(
                *self._of(_entries, community),
                _entries.c.id == entry_id,
                _entries.c.removed.is_(False),
            )
            .values(removed=True, revision=revision, updated_at=now)
        )
        return bool(result.rowcount)

    # -- usage --------------------------------------------------------------------------

    async def record_hit(self, entry_id: int) -> None:
        await self.tx.execute(
            update(_entries).where(_entries.c.id == entry_id).values(hits=_entries.c.hits + 1)
        )

    async def vote(self, entry_id: int, user_id: str, helpful: bool, now: datetime) -> bool:
        before = await self.tx.connection.scalar(
            select(_votes.c.helpful).where(
                _votes.c.entry_id == entry_id, _votes.c.user_id == user_id
            )
        )
        if before is not None and bool(before) == helpful:
            return False
        upsert = self.tx.store._insert(_votes).values(
            entry_id=entry_id, user_id=user_id, helpful=helpful, voted_at=now
        )
        await self.tx.execute(
            upsert.on_conflict_do_update(
                index_elements=[_votes.c.entry_id, _votes.c.user_id],
                set_={"helpful": helpful, "voted_at": now},
            )
        )
        return True

    async def stats(
        self, community: CommunityRef, *, offset: int = 0, limit: int = 20
    ) -> list[EntryStats]:
        helpful = func.coalesce(func.sum(case((_votes.c.helpful.is_(True), 1), else_=0)), 0)
        unhelpful = func.coalesce(func.sum(case((_votes.c.helpful.is_(False), 1), else_=0)), 0)
        rows = await self.tx.connection.execute(
            select(_entries, helpful.label("yes"), unhelpful.label("no"))
            .select_from(_entries.outerjoin(_votes, _votes.c.entry_id == _entries.c.id))
            .where(*self._of(_entries, community), _entries.c.removed.is_(False))
            .group_by(*_entries.c)
            .order_by(_entries.c.id)
            .offset(offset)
            .limit(limit)
        )
        return [EntryStats(_entry(row), row.hits, int(row.yes), int(row.no)) for row in rows]

    async def count(self, community: CommunityRef) -> int:
        value = await self.tx.connection.scalar(
            select(func.count())
            .select_from(_entries)
            .where(*self._of(_entries, community), _entries.c.removed.is_(False))
        )
        return int(value or 0)

    async def last_answered(self, entry_id: int, channel_key: str) -> datetime | None:
        value: datetime | None = await self.tx.connection.scalar(
            select(_cooldowns.c.answered_at).where(
                _cooldowns.c.entry_id == entry_id, _cooldowns.c.channel_key == channel_key
            )
        )
        return value

    async def answered(self, entry_id: int, channel_key: str, now: datetime) -> None:
        upsert = self.tx.store._insert(_cooldowns).values(
            entry_id=entry_id, channel_key=channel_key[:300], answered_at=now
        )
        await self.tx.execute(
            upsert.on_conflict_do_update(
                index_elements=[_cooldowns.c.entry_id, _cooldowns.c.channel_key],
                set_={"answered_at": now},
            )
        )

    # -- unanswered questions -----------------------------------------------------------

    async def record_unanswered(
        self, community: CommunityRef, normalised: str, text: str, now: datetime
    ) -> None:
        upsert = self.tx.store._insert(_unanswered).values(
            platform=community.platform,
            community_id=community.id,
            normalised=normalised[:255],
            text=text[:500],
            count=1,
            first_at=now,
            last_at=now,
        )
        await self.tx.execute(
            upsert.on_conflict_do_update(
                index_elements=[
                    _unanswered.c.platform,
                    _unanswered.c.community_id,
                    _unanswered.c.normalised,
                ],
                set_={"count": _unanswered.c.count + 1, "text": text[:500], "last_at": now},
            )
        )

    async def unanswered(self, community: CommunityRef, limit: int) -> list[Unanswered]:
        rows = await self.tx.connection.execute(
            select(_unanswered)
            .where(*self._of(_unanswered, community))
            .order_by(_unanswered.c.count.desc(), _unanswered.c.last_at.desc())
            .limit(limit)
        )
        return [
            Unanswered(
                id=row["id"],
                text=row["text"],
                normalised=row["normalised"],
                count=row["count"],
                first_at=row["first_at"],
                last_at=row["last_at"],
            )
            for row in rows.mappings()
        ]

    async def has_unanswered(self, community: CommunityRef, item_id: int) -> bool:
        row = (
            await self.tx.connection.execute(
                select(_unanswered.c.id).where(
                    *self._of(_unanswered, community), _unanswered.c.id == item_id
                )
            )
        ).first()
        return row is not None

    async def dismiss_unanswered(self, community: CommunityRef, item_id: int) -> bool:
        result = await self.tx.execute(
            delete(_unanswered).where(
                *self._of(_unanswered, community), _unanswered.c.id == item_id
            )
        )
        return bool(result.rowcount)
