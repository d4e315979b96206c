"""SQL side of :mod:`core.announcements`: plain statements over the batch's transaction.

An occurrence is recorded as posted by one guarded UPDATE (``posted = occurrence - 1`` and
not cancelled), so a job fired twice, two processes racing for it, or a cancel racing
the job post it at most once: on PostgreSQL the second UPDATE waits for the first's row
lock and then matches nothing; on SQLite the transaction holds the one write lock.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, or_, select, update

from townsquare.core.announcements.rules import Every
from townsquare.core.announcements.store import Announcement, Draft
from townsquare.storage.announcements_models import AnnouncementRow
from townsquare.storage.announcements_privacy import AnnouncementsPersonalData
from townsquare.storage.store import SqlTransaction

_announcements: Table = AnnouncementRow.__table__  # type: ignore[assignment]


def _announcement(row: Any) -> Announcement:
    return Announcement(
        id=row.id,
        platform=row.platform,
        bot=row.bot,
        community_id=row.community_id,
        channel_id=row.channel_id,
        thread_id=row.thread_id,
        text=row.text,
        pin=row.pin,
        space=row.space,
        every=Every(row.every) if row.every else None,
        zone=row.zone,
        first_at=row.first_at,
        next_at=row.next_at,
        posted=row.posted,
        created_by=row.created_by,
        created_by_name=row.created_by_name,
        created_at=row.created_at,
        cancelled_at=row.cancelled_at,
    )


class SqlAnnouncementStore(AnnouncementsPersonalData):
    """Announcements over one :class:`SqlTransaction`."""

    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    async def create(
        self, draft: Draft, *, posted: int, next_at: datetime | None, now: datetime
    ) -> Announcement:
        result = await self.tx.execute(
            _announcements.insert()
            .values(
                platform=draft.platform,
                bot=draft.bot,
                community_id=draft.community_id,
                channel_id=draft.channel_id,
                thread_id=draft.thread_id,
                text=draft.text,
                pin=draft.pin,
                space=draft.space,
                every=draft.every.value if draft.every is not None else None,
                zone=draft.zone,
                first_at=draft.first_at,
                next_at=next_at,
                posted=posted,
                created_by=draft.created_by,
                created_by_name=draft.created_by_name[:256],
                created_at=now,
                cancelled_at=None,
            )
            .returning(*_announcements.c)
        )
        return _announcement(result.one())

    async def get(self, announcement_id: int) -> Announcement | None:
        row = (
            await self.tx.connection.execute(
                select(_announcements).where(_announcements.c.id == announcement_id)
            )
        ).one_or_none()
        return _announcement(row) if row is not None else None

    async def scheduled(
        self, platforms: Collection[str], community_id: str, space: str | None, *, limit: int
    ) -> list[Announcement]:
        here = and_(
            _announcements.c.platform.in_(sorted(platforms)),
            _announcements.c.community_id == community_id,
        )
        where = or_(here, _announcements.c.space == space) if space is not None else here
        rows = await self.tx.connection.execute(
            select(_announcements)
            .where(
                where,
                _announcements.c.next_at.is_not(None),
                _announcements.c.cancelled_at.is_(None),
            )
            .order_by(_announcements.c.next_at, _announcements.c.id)
            .limit(limit)
        )
        return [_announcement(row) for row in rows]

    async def advance(
        self, announcement_id: int, occurrence: int, next_at: datetime | None
    ) -> bool:
        result = await self.tx.execute(
            update(_announcements)
            .where(
                _announcements.c.id == announcement_id,
                _announcements.c.posted == occurrence - 1,
                _announcements.c.cancelled_at.is_(None),
            )
            .values(posted=occurrence, next_at=next_at)
        )
        return bool(result.rowcount)

    async def cancel(self, announcement_id: int, now: datetime) -> bool:
        result = await self.tx.execute(
            update(_announcements)
            .where(
                _announcements.c.id == announcement_id,
                _announcements.c.cancelled_at.is_(None),
                _announcements.c.next_at.is_not(None),
            )
            .values(cancelled_at=now, next_at=None)
        )
        return bool(result.rowcount)
