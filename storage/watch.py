"""SQL side of :mod:`core.watch`: phrases, mentions, hourly counts and digests.

An ordinary message costs no statement here: scanning happens in memory
(:mod:`core.watch.matcher`). A mention costs two statements: the mention inserted (``ON
CONFLICT DO NOTHING`` on the message and phrase, so the same message counted twice is
counted once) and the hour's count upserted with ``RETURNING``, which hands back the
count that decides a spike atomically on SQLite and PostgreSQL alike, however many
processes count at once. A count that reaches :data:`core.watch.rules.SPIKE_MIN` reads
the previous 7 days' sum (one indexed range on the counts' primary key).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, select, update

from townsquare.core.watch.store import Counted, Digest, HourCount, Mention, Phrase
from townsquare.storage.store import SqlTransaction
from townsquare.storage.watch_models import (
    WatchCountRow,
    WatchDigestRow,
    WatchMentionRow,
    WatchPhraseRow,
)

_phrases: Table = WatchPhraseRow.__table__  # type: ignore[assignment]
_mentions: Table = WatchMentionRow.__table__  # type: ignore[assignment]
_counts: Table = WatchCountRow.__table__  # type: ignore[assignment]
_digests: Table = WatchDigestRow.__table__  # type: ignore[assignment]


def _phrase(row: Any) -> Phrase:
    return Phrase(row.id, row.scope, row.text, row.key, row.created_at)


def _mention(row: Any) -> Mention:
    return Mention(
        scope=row.scope,
        hour=row.hour,
        phrase_id=row.phrase_id,
        phrase=row.phrase,
        platform=row.platform,
        bot=row.bot,
        community_id=row.community_id,
        channel_id=row.channel_id,
        message_id=row.message_id,
        author=row.author,
        excerpt=row.excerpt,
        link=row.link,
        at=row.at,
    )


class SqlWatchStore:
    """Watch words over one :class:`SqlTransaction`."""

    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    async def _read(self, statement: Any) -> Any:
        return await self.tx.connection.execute(statement)

    # -- phrases -------------------------------------------------------------------------

    async def phrases(self, scope: str) -> list[Phrase]:
        rows = await self._read(
            select(_phrases).where(_phrases.c.scope == scope).order_by(_phrases.c.id)
        )
        return [_phrase(row) for row in rows]

    async def phrase(self, phrase_id: int) -> Phrase | None:
        row = (await self._read(select(_phrases).where(_phrases.c.id == phrase_id))).first()
        return _phrase(row) if row is not None else None

    async def phrase_by_key(self, scope: str, key: str) -> Phrase | None:
        row = (
            await self._read(
                select(_phrases).where(_phrases.c.scope == scope, _phrases.c.key == key)
            )
        ).first()
        return _phrase(row) if row is not None else None

    async def add(self, scope: str, text: str, key: str, now: datetime) -> Phrase | None:
        statement = (
            self.tx.store._insert(_phrases)
            .values(scope=scope, text=text, key=key, created_at=now)
            .on_conflict_do_nothing()
            .returning(_phrases.c.id)
        )
        new_id = (await self.tx.execute(statement)).scalar_one_or_none()
        return None if new_id is None else Phrase(int(new_id), scope, text, key, now)

    async def remove(self, phrase_id: int) -> bool:
        result = await self.tx.execute(delete(_phrases).where(_phrases.c.id == phrase_id))
        if not result.rowcount:
            return False
        await self.tx.execute(delete(_counts).where(_counts.c.phrase_id == phrase_id))
        return True

    async def count(self, scope: str) -> int:
        found = await self.tx.connection.scalar(
            select(func.count()).select_from(_phrases).where(_phrases.c.scope == scope)
        )
        return int(found or 0)

    # -- mentions and counts -------------------------------------------------------------

    async def record(self, mention: Mention) -> Counted | None:
        insert = self.tx.store._insert
        kept = await self.tx.execute(
            insert(_mentions)
            .values(
                scope=mention.scope,
                hour=mention.hour,
                phrase_id=mention.phrase_id,
                phrase=mention.phrase,
                platform=mention.platform,
                bot=mention.bot,
                community_id=mention.community_id,
                channel_id=mention.channel_id,
                message_id=mention.message_id,
                author=mention.author,
                excerpt=mention.excerpt,
                link=mention.link,
                at=mention.at,
            )
            .on_conflict_do_nothing()
            .returning(_mentions.c.id)
        )
        if kept.scalar_one_or_none() is None:
            return None
        upsert = insert(_counts).values(
            scope=mention.scope,
            phrase_id=mention.phrase_id,
            hour=mention.hour,
            hits=1,
            alerted=False,
        )
        upsert = upsert.on_conflict_do_update(
            index_elements=[_counts.c.scope, _counts.c.phrase_id, _counts.c.hour],
            set_={"hits": _counts.c.hits + 1},
        ).returning(_counts.c.hits, _counts.c.alerted)
        row = (await self.tx.execute(upsert)).one()
        return Counted(int(row.hits), bool(row.alerted))

    async def previous(self, scope: str, phrase_id: int, hour: int, hours: int) -> int:
        found = await self.tx.connection.scalar(
            select(func.coalesce(func.sum(_counts.c.hits), 0)).where(
                _counts.c.scope == scope,
                _counts.c.phrase_id == phrase_id,
                _counts.c.hour >= hour - hours,
                _counts.c.hour < hour,
            )
        )
        return int(found or 0)

    async def mark_alerted(self, scope: str, phrase_id: int, hour: int) -> bool:
        result = await self.tx.execute(
            update(_counts)
            .where(
                _counts.c.scope == scope,
                _counts.c.phrase_id == phrase_id,
                _counts.c.hour == hour,
                _counts.c.alerted.is_(False),
            )
            .values(alerted=True)
        )
        return bool(result.rowcount)

    async def hour(
        self, scope: str, hour: int, limit: int
    ) -> tuple[list[HourCount], list[Mention]]:
        counted = await self._read(
            select(_mentions.c.phrase_id, _mentions.c.phrase, func.count().label("hits"))
            .where(_mentions.c.scope == scope, _mentions.c.hour == hour)
            .group_by(_mentions.c.phrase_id, _mentions.c.phrase)
        )
        counts = sorted(
            (HourCount(row.phrase_id, row.phrase, int(row.hits)) for row in counted),
            key=lambda count: (-count.hits, count.phrase),
        )
        latest = await self._read(
            select(_mentions)
            .where(_mentions.c.scope == scope, _mentions.c.hour == hour)
            .order_by(_mentions.c.id.desc())
            .limit(limit)
        )
        return counts, [_mention(row) for row in reversed(list(latest))]

    # -- digests -------------------------------------------------------------------------

    async def digest(self, scope: str, hour: int) -> Digest | None:
        row = (
            await self._read(
                select(_digests).where(_digests.c.scope == scope, _digests.c.hour == hour)
            )
        ).first()
        return Digest(row.bot, row.channel_id, row.shown) if row is not None else None

    async def digest_sent(self, scope: str, hour: int, digest: Digest) -> None:
        upsert = self.tx.store._insert(_digests).values(
            scope=scope,
            hour=hour,
            bot=digest.bot,
            channel_id=digest.channel_id,
            shown=digest.shown,
        )
        await self.tx.execute(
            upsert.on_conflict_do_update(
                index_elements=[_digests.c.scope, _digests.c.hour],
                set_={"shown": upsert.excluded.shown},
            )
        )

    async def prune(self, scope: str, before: int) -> None:
        for table in (_mentions, _counts, _digests):
            await self.tx.execute(
                delete(table).where(table.c.scope == scope, table.c.hour < before)
            )
