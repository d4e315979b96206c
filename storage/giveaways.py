"""SQL side of :mod:`core.giveaways`: plain statements over the batch's transaction.

Entries are rows keyed by (giveaway, entrant), so a redelivered or concurrent press never
adds a second entry; the draw is guarded by ``drawn_at`` (an UPDATE that only an undrawn
giveaway matches), so a deadline job fired twice, or ``/giveaway end`` racing the
deadline, draws once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select, update

from townsquare.core.giveaways.draw import Round
from townsquare.core.giveaways.rules import Requirements
from townsquare.core.giveaways.store import Entry, Giveaway, Post
from townsquare.core.refs import ChannelRef, MessageRef
from townsquare.core.spaces import Place
from townsquare.storage.giveaways_models import (
    GiveawayEntryRow,
    GiveawayLevelRow,
    GiveawayPostRow,
    GiveawayRoundRow,
    GiveawayRow,
)
from townsquare.storage.giveaways_privacy import GiveawaysPersonalData
from townsquare.storage.models import SentMessage
from townsquare.storage.space_posts import insert_posts
from townsquare.storage.store import SqlTransaction

_giveaways: Table = GiveawayRow.__table__  # type: ignore[assignment]
_posts: Table = GiveawayPostRow.__table__  # type: ignore[assignment]
_entries: Table = GiveawayEntryRow.__table__  # type: ignore[assignment]
_rounds: Table = GiveawayRoundRow.__table__  # type: ignore[assignment]
_levels: Table = GiveawayLevelRow.__table__  # type: ignore[assignment]
_sent: Table = SentMessage.__table__  # type: ignore[assignment]


def _giveaway(row: Any) -> Giveaway:
    return Giveaway(
        id=row.id,
        platform=row.platform,
        bot=row.bot,
        community_id=row.community_id,
        channel_id=row.channel_id,
        thread_id=row.thread_id,
        prize=row.prize,
        winners=row.winners,
        requirements=Requirements(min_days=row.min_days, min_level=row.min_level),
        ends_at=row.ends_at,
        seed=row.seed,
        seed_hash=row.seed_hash,
        created_by=row.created_by,
        drawn_at=row.drawn_at,
        space=row.space,
    )


def _post_key(giveaway_id: int, number: int) -> str:
    return f"giveaway:{giveaway_id}:{number}"


class SqlGiveawayStore(GiveawaysPersonalData):
    """Giveaways over one :class:`SqlTransaction`."""

    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    async def create(
        self,
        *,
        platform: str,
        bot: str,
        community_id: str | None,
        channel_id: str,
        thread_id: str | None,
        prize: str,
        winners: int,
        requirements: Requirements,
        ends_at: datetime,
        seed: str,
        seed_hash: str,
        created_by: str,
        now: datetime,
        space: str | None = None,
    ) -> Giveaway:
        result = await self.tx.execute(
            _giveaways.insert()
            .values(
                platform=platform,
                bot=bot,
                community_id=community_id,
                channel_id=channel_id,
                thread_id=thread_id,
                prize=prize,
                winners=winners,
                min_days=requirements.min_days,
                min_level=requirements.min_level,
                space=space,
                ends_at=ends_at,
                seed=seed,
                seed_hash=seed_hash,
                created_by=created_by,
                created_at=now,
                drawn_at=None,
            )
            .returning(*_giveaways.c)
        )
        return _giveaway(result.one())

    async def add_posts(
        self, giveaway: Giveaway, places: Sequence[Place], platforms: Mapping[str, str]
    ) -> Giveaway:
        posts = await insert_posts(
            self.tx,
            _posts,
            {"giveaway_id": giveaway.id},
            places,
            platforms,
            lambda number: _post_key(giveaway.id, number),
        )
        return replace(giveaway, elsewhere=posts)

    async def get(self, giveaway_id: int, platform: str) -> Giveaway | None:
        connection = self.tx.connection
        row = (
            await connection.execute(select(_giveaways).where(_giveaways.c.id == giveaway_id))
        ).first()
        if row is None:
            return None
        found = _giveaway(row)
        others = (
            await connection.execute(
                select(_posts).where(_posts.c.giveaway_id == giveaway_id).order_by(_posts.c.number)
            )
        ).all()
        keys = {found.key: found.bot} | {
            _post_key(giveaway_id, other.number): other.bot for other in others
        }
        sent = await self._sent(keys)
        posts = tuple(
            Post(
                bot=other.bot,
                platform=other.platform,
                community_id=other.community_id,
                channel_id=other.channel_id,
                thread_id=None,
                key=_post_key(giveaway_id, other.number),
                message=sent.get(_post_key(giveaway_id, other.number)),
            )
            for other in others
        )
        found = replace(found, message=sent.get(found.key), elsewhere=posts)
        if not any(post.platform == platform for post in found.posts):
            return None
        return found

    async def _sent(self, keys: Mapping[str, str]) -> dict[str, MessageRef]:
        """The delivered messages under ``keys`` (key -> bot)."""
        rows = await self.tx.connection.execute(select(_sent).where(_sent.c.key.in_(sorted(keys))))
        return {
            row.key: MessageRef(ChannelRef(row.channel_id, thread_id=row.thread_id), row.message_id)
            for row in rows
            if keys.get(row.key) == row.bot
        }

    async def enter(
        self, giveaway_id: int, entry: Entry, aliases: Collection[str], now: datetime
    ) -> bool:
        keys = sorted({entry.entrant, *aliases})
        already = await self.tx.connection.scalar(
            select(func.count())
            .select_from(_entries)
            .where(_entries.c.giveaway_id == giveaway_id, _entries.c.entrant.in_(keys))
        )
        if already:
            return False
        result = await self.tx.execute(
            self.tx.store._insert(_entries)
            .values(
                giveaway_id=giveaway_id,
                entrant=entry.entrant,
                platform=entry.platform,
                bot=entry.bot,
                user_id=entry.user_id,
                display_name=entry.display_name[:256],
                entered_at=now,
            )
            .on_conflict_do_nothing()
        )
        return bool(result.rowcount)

    async def entry_count(self, giveaway_id: int) -> int:
        count = await self.tx.connection.scalar(
            select(func.count()).select_from(_entries).where(_entries.c.giveaway_id == giveaway_id)
        )
        return int(count or 0)

    async def entries(self, giveaway_id: int) -> list[Entry]:
        rows = await self.tx.connection.execute(
            select(_entries)
            .where(_entries.c.giveaway_id == giveaway_id)
            .order_by(_entries.c.entrant)
        )
        return [
            Entry(row.entrant, row.platform, row.bot, row.user_id, row.display_name) for row in rows
        ]

    async def rounds(self, giveaway_id: int) -> list[Round]:
        rows = await self.tx.connection.execute(
            select(_rounds).where(_rounds.c.giveaway_id == giveaway_id).order_by(_rounds.c.number)
        )
        return [Round(row.number, row.asked, tuple(row.winners["keys"])) for row in rows]

    async def add_round(
        self, giveaway_id: int, drawn: Round, now: datetime, drawn_by: str | None
    ) -> bool:
        result = await self.tx.execute(
            self.tx.store._insert(_rounds)
            .values(
                giveaway_id=giveaway_id,
                number=drawn.number,
                asked=drawn.count,
                winners={"keys": list(drawn.winners)},
                drawn_by=drawn_by,
                drawn_at=now,
            )
            .on_conflict_do_nothing()
        )
        return bool(result.rowcount)

    async def mark_drawn(self, giveaway_id: int, now: datetime) -> bool:
        result = await self.tx.execute(
            update(_giveaways)
            .where(_giveaways.c.id == giveaway_id, _giveaways.c.drawn_at.is_(None))
            .values(drawn_at=now)
        )
        return bool(result.rowcount)

    async def set_level(self, scope: str, person_id: int, level: int, at: datetime) -> None:
        upsert = self.tx.store._insert(_levels).values(
            scope=scope, person_id=person_id, level=level, updated_at=at
        )
        upsert = upsert.on_conflict_do_update(
            index_elements=[_levels.c.scope, _levels.c.person_id],
            set_={"level": level, "updated_at": at},
            where=_levels.c.updated_at <= at,
        )
        await self.tx.execute(upsert)

    async def level(self, scope: str, person_ids: Collection[int]) -> int:
        if not person_ids:
            return 0
        found = await self.tx.connection.scalar(
            select(func.max(_levels.c.level)).where(
                _levels.c.scope == scope, _levels.c.person_id.in_(sorted(person_ids))
            )
        )
        return int(found or 0)
