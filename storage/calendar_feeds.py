"""SQL side of an event's extras: its check-in code, the interested counts of its Discord
mirrors, and the secret calendar feeds (the tokens, and the read ``GET
/calendar/<token>.ics`` makes, :func:`feed_events`)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import Table, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from townsquare.core.calendar.store import CalendarEvent
from townsquare.storage.calendar_models import (
    EventFeedRow,
    EventInterestRow,
    EventPostRow,
    EventRow,
    EventRsvpRow,
)
from townsquare.storage.models import SentMessage
from townsquare.storage.store import SqlTransaction

_events: Table = EventRow.__table__  # type: ignore[assignment]
_posts: Table = EventPostRow.__table__  # type: ignore[assignment]
_rsvps: Table = EventRsvpRow.__table__  # type: ignore[assignment]
_interest: Table = EventInterestRow.__table__  # type: ignore[assignment]
_feeds: Table = EventFeedRow.__table__  # type: ignore[assignment]
_sent: Table = SentMessage.__table__  # type: ignore[assignment]

FEED_PAST = timedelta(days=30)
"""A feed shows events from this long ago on (and every later one)."""
FEED_LIMIT = 500
"""At most this many events per feed, soonest first from :data:`FEED_PAST` ago."""


class FeedsAndMirrors:
    """Mixed into :class:`storage.calendar.SqlEventStore`."""

    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    async def set_checkin_code(self, event_id: int, code: str) -> str:
        await self.tx.execute(
            update(_events)
            .where(_events.c.id == event_id, _events.c.checkin_code.is_(None))
            .values(checkin_code=code)
        )
        found = await self.tx.connection.execute(
            select(_events.c.checkin_code).where(_events.c.id == event_id)
        )
        return str(found.scalar_one())

    async def mirrored(self, bot: str, platform_id: str) -> tuple[int, str] | None:
        """Read from the sent messages (the delivery worker stores a created mirror's id
        under its key, ``event:<id>[:<post>]:mirror``)."""
        rows = await self.tx.connection.execute(
            select(_sent.c.key).where(
                _sent.c.bot == bot,
                _sent.c.message_id == platform_id,
                _sent.c.key.like("event:%:mirror"),
            )
        )
        for (key,) in rows:
            number = key.split(":")[1]
            if number.isdigit():
                return int(number), str(key)
        return None

    async def set_interest(self, event_id: int, mirror_key: str, count: int, now: datetime) -> bool:
        where = and_(_interest.c.event_id == event_id, _interest.c.mirror_key == mirror_key)
        current = (
            await self.tx.connection.execute(select(_interest.c.interested).where(where))
        ).scalar_one_or_none()
        if current == count:
            return False
        if current is None:
            await self.tx.execute(
                _interest.insert().values(
                    event_id=event_id, mirror_key=mirror_key, interested=count, updated_at=now
                )
            )
        else:
            await self.tx.execute(
                update(_interest).where(where).values(interested=count, updated_at=now)
            )
        return True

    async def feed_token(
        self,
        owner: str,
        *,
        platform: str,
        bot: str,
        community_id: str | None,
        user_id: str | None,
        now: datetime,
        reset: bool = False,
    ) -> str:
        if reset:
            await self.tx.execute(delete(_feeds).where(_feeds.c.owner == owner))
        else:
            found = (
                await self.tx.connection.execute(
                    select(_feeds.c.token).where(_feeds.c.owner == owner)
                )
            ).scalar_one_or_none()
            if found is not None:
                return str(found)
        token = secrets.token_urlsafe(24)
        statement = (
            self.tx.store._insert(_feeds)
            .values(
                token=token,
                owner=owner,
                platform=platform,
                bot=bot,
                community_id=community_id,
                user_id=user_id,
                created_at=now,
            )
            .on_conflict_do_nothing()
        )
        await self.tx.execute(statement)
        stored = await self.tx.connection.execute(
            select(_feeds.c.token).where(_feeds.c.owner == owner)
        )
        return str(stored.scalar_one())


async def feed_events(engine: AsyncEngine, token: str, now: datetime) -> list[CalendarEvent] | None:
    """The events of the feed ``token`` (None: no such feed), soonest first: a
    community's (created there, or posted there for a space), or those one account
    answered Going or Maybe or waits for; cancelled ones too (a calendar shows them so)."""
    from townsquare.storage.calendar import SqlEventStore, event_of_row

    async with engine.connect() as connection:
        feed = (await connection.execute(select(_feeds).where(_feeds.c.token == token))).first()
        if feed is None:
            return None
        if feed.user_id is None:
            posted_here = select(_posts.c.event_id).where(
                _posts.c.bot == feed.bot, _posts.c.community_id == feed.community_id
            )
            chosen = or_(
                and_(_events.c.bot == feed.bot, _events.c.community_id == feed.community_id),
                _events.c.id.in_(posted_here),
            )
        else:
            answered = select(_rsvps.c.event_id).where(
                _rsvps.c.platform == feed.platform,
                _rsvps.c.user_id == feed.user_id,
                _rsvps.c.status.in_(("going", "maybe", "waiting")),
            )
            chosen = _events.c.id.in_(answered)
        query = (
            SqlEventStore.select_events()
            .where(chosen, _events.c.starts_at >= now - FEED_PAST)
            .order_by(_events.c.starts_at, _events.c.id)
            .limit(FEED_LIMIT)
        )
        return [event_of_row(row) for row in await connection.execute(query)]
