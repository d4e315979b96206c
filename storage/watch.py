"""SQL side of :mod:`core.watch`: phrases, mentions, hourly counts and digests.

An ordinary message costs no statement here: scanning happens in memory
(:mod:`core.watch.matcher`). A chunk's mentions cost two statements at its end, however
many: one multi-row insert of the mentions (``ON CONFLICT DO NOTHING ... RETURNING``, so
the same message counted twice for a phrase is kept once, and only what was kept is
counted) and one multi-row upsert of their hours' counts (``hits = hits + excluded.hits``,
SQLite and PostgreSQL alike, however many processes count at once). The digest job reads
an hour's phrases that may spike and the previous 7 days' sum of each (one indexed range
on the counts' primary key), and marks an alert sent with a conditional update, so two
processes never both send it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, select, update

from townsquare.core.watch.store import Digest, HourCount, Mention, Phrase
from townsquare.storage.store import SqlTransaction
from townsquare.storage.watch_models import (
    WatchCountRow,
    WatchDigestRow,
    WatchMentionRow,
    WatchPhraseRow,
)
from townsquare.storage.watch_privacy import WatchPersonalData

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


def _key(mention: Mention) -> tuple[str, int, str, str, str]:
    """What makes a mention one: the message and the phrase (the table's unique key)."""
    return (mention.scope, mention.phrase_id, mention.bot, mention.channel_id, mention.message_id)


class SqlWatchStore(WatchPersonalData):
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

    async def record(self, mentions: Sequence[Mention]) -> list[Mention]:
        by_key: dict[tuple[str, int, str, str, str], Mention] = {}
        for mention in mentions:
            key = (
                mention.scope,
                mention.phrase_id,
                mention.bot,
                mention.channel_id,
                mention.message_id,
            )
            by_key.setdefault(key, mention)
        if not by_key:
            return []
        connection = self.tx.connection  # not tx.execute: the chunk's end, outside any feature
        insert = self.tx.store._insert
        rows = [
            {
                "scope": m.scope,
                "hour": m.hour,
                "phrase_id": m.phrase_id,
                "phrase": m.phrase,
                "platform": m.platform,
                "bot": m.bot,
                "community_id": m.community_id,
                "channel_id": m.channel_id,
                "message_id": m.message_id,
                "author": m.author,
                "excerpt": m.excerpt,
                "link": m.link,
                "at": m.at,
            }
            for m in by_key.values()
        ]
        # Parameters apart from the statement keep its compiled form cached (SQLAlchemy
        # sends them as one multi-row INSERT, RETURNING included, on both databases).
        kept_rows = await connection.execute(
            insert(_mentions)
            .on_conflict_do_nothing()
            .returning(
                _mentions.c.scope,
                _mentions.c.phrase_id,
                _mentions.c.bot,
                _mentions.c.channel_id,
                _mentions.c.message_id,
            ),
            rows,
        )
        kept = [
            by_key[(r.scope, r.phrase_id, r.bot, r.channel_id, r.message_id)] for r in kept_rows
        ]
        counts: dict[tuple[str, int, int], int] = {}
        for mention in kept:
            key3 = (mention.scope, mention.phrase_id, mention.hour)
            counts[key3] = counts.get(key3, 0) + 1
        if counts:
            upsert = insert(_counts)
            upsert = upsert.on_conflict_do_update(
                index_elements=[_counts.c.scope, _counts.c.phrase_id, _counts.c.hour],
                set_={"hits": _counts.c.hits + upsert.excluded.hits},
            )
            await connection.execute(
                upsert,
                [
                    {
                        "scope": scope,
                        "phrase_id": phrase,
                        "hour": hour,
                        "hits": hits,
                        "alerted": False,
                    }
                    for (scope, phrase, hour), hits in sorted(counts.items())
                ],
            )
        return kept

    async def unalerted(self, scope: str, hour: int, minimum: int) -> list[tuple[int, int]]:
        rows = await self._read(
            select(_counts.c.phrase_id, _counts.c.hits).where(
                _counts.c.scope == scope,
                _counts.c.hour == hour,
                _counts.c.hits >= minimum,
                _counts.c.alerted.is_(False),
            )
        )
        return [(int(row.phrase_id), int(row.hits)) for row in rows]

    async def latest(self, scope: str, phrase_id: int, hour: int) -> Mention | None:
        row = (
            await self._read(
                select(_mentions)
                .where(
                    _mentions.c.scope == scope,
                    _mentions.c.hour == hour,
                    _mentions.c.phrase_id == phrase_id,
                )
                .order_by(_mentions.c.id.desc())
                .limit(1)
            )
        ).first()
        return _mention(row) if row is not None else None

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
