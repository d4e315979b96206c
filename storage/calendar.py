"""SQL side of :mod:`core.calendar`.

Reads go through the transaction's connection, writes through ``tx.execute`` (inside the
feature's savepoint). An answer reads the event ``FOR UPDATE`` first where the
transaction does not hold SQLite's one write lock (:attr:`SqlTransaction.exclusive`), so
two processes answering at once for the last seat decide one after the other: the
waitlist order and the capacity hold with several processes on one PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, Table, and_, cast, delete, func, literal, or_, select, update

from townsquare.core.calendar.recurrence import Repeat
from townsquare.core.calendar.rules import Status
from townsquare.core.calendar.store import (
    Account,
    CalendarEvent,
    Details,
    Post,
    Rsvp,
    Series,
)
from townsquare.core.refs import ChannelRef, MessageRef
from townsquare.core.spaces import Place
from townsquare.storage.calendar_feeds import FeedsAndMirrors
from townsquare.storage.calendar_models import (
    EventAttendanceRow,
    EventInterestRow,
    EventPostRow,
    EventRow,
    EventRsvpRow,
    EventSeriesRow,
)
from townsquare.storage.calendar_privacy import EventsPersonalData
from townsquare.storage.models import SentMessage
from townsquare.storage.space_posts import insert_posts

_events: Table = EventRow.__table__  # type: ignore[assignment]
_series: Table = EventSeriesRow.__table__  # type: ignore[assignment]
_posts: Table = EventPostRow.__table__  # type: ignore[assignment]
_rsvps: Table = EventRsvpRow.__table__  # type: ignore[assignment]
_attendance: Table = EventAttendanceRow.__table__  # type: ignore[assignment]
_interest: Table = EventInterestRow.__table__  # type: ignore[assignment]
_sent: Table = SentMessage.__table__  # type: ignore[assignment]
_SENT = (
    _sent.c.channel_id.label("sent_channel"),
    _sent.c.thread_id.label("sent_thread"),
    _sent.c.message_id.label("sent_message"),
)


def _minutes(value: timedelta) -> int:
    return int(value.total_seconds() // 60)


def _offsets(text: str) -> tuple[timedelta, ...]:
    return tuple(timedelta(minutes=int(part)) for part in text.split(",") if part)


def _detail_values(details: Details) -> dict[str, Any]:
    return {
        "title": details.title,
        "place": details.where,
        "duration_minutes": _minutes(details.duration),
        "capacity": details.capacity,
        "remind_minutes": ",".join(str(_minutes(offset)) for offset in details.remind),
        "cutoff_minutes": _minutes(details.cutoff),
    }


def _details(row: Any) -> Details:
    return Details(
        title=row.title,
        where=row.place,
        duration=timedelta(minutes=row.duration_minutes),
        capacity=row.capacity,
        remind=_offsets(row.remind_minutes),
        cutoff=timedelta(minutes=row.cutoff_minutes),
    )


def _message(row: Any) -> MessageRef | None:
    sent = getattr(row, "sent_message", None)
    if sent is None:
        return None
    return MessageRef(ChannelRef(row.sent_channel, thread_id=row.sent_thread), sent)


def event_of_row(row: Any) -> CalendarEvent:
    """An event read with :meth:`SqlEventStore.select_events` (without its space posts)."""
    repeat = getattr(row, "series_repeat", None)
    ended = getattr(row, "series_ended", None)
    return CalendarEvent(
        id=row.id,
        platform=row.platform,
        bot=row.bot,
        community_id=row.community_id,
        channel_id=row.channel_id,
        thread_id=row.thread_id,
        details=_details(row),
        starts_at=row.starts_at,
        tz=row.tz,
        created_by=row.created_by,
        series_id=row.series_id,
        repeat=Repeat(repeat) if repeat is not None and ended is None else None,
        slot=row.slot,
        space=row.space,
        cancelled_at=row.cancelled_at,
        message=_message(row),
        mirror=row.mirror,
        checkin_code=row.checkin_code,
        interested=int(getattr(row, "interested", 0) or 0),
    )


def _rsvp(row: Any) -> Rsvp:
    return Rsvp(
        voter=row.voter,
        platform=row.platform,
        bot=row.bot,
        user_id=row.user_id,
        display_name=row.display_name,
        community_id=row.community_id,
        channel_id=row.channel_id,
        status=Status(row.status),
        order=row.position,
        reminders=row.reminders,
        answered_at=row.answered_at,
    )


def _post_key(event_id: int, number: int) -> str:
    return f"event:{event_id}:{number}"


class SqlEventStore(EventsPersonalData, FeedsAndMirrors):
    """Events over one :class:`SqlTransaction` (check-in codes, mirrors' interested
    counts and feed tokens: :class:`~storage.calendar_feeds.FeedsAndMirrors`)."""

    async def _scalar(self, statement: Any) -> Any:
        return (await self.tx.execute(statement)).scalar_one()

    # -- events ---------------------------------------------------------------------------

    async def create(
        self,
        *,
        platform: str,
        bot: str,
        community_id: str | None,
        channel_id: str,
        thread_id: str | None,
        details: Details,
        starts_at: datetime,
        tz: str,
        created_by: str,
        now: datetime,
        space: str | None = None,
        series_id: int | None = None,
        slot: datetime | None = None,
        mirror: bool = False,
    ) -> CalendarEvent:
        values = {
            "platform": platform,
            "bot": bot,
            "community_id": community_id,
            "channel_id": channel_id,
            "thread_id": thread_id,
            **_detail_values(details),
            "starts_at": starts_at,
            "tz": tz,
            "series_id": series_id,
            "slot": slot,
            "space": space,
            "mirror": mirror,
            "created_by": created_by,
            "created_at": now,
        }
        event_id = await self._scalar(_events.insert().values(values).returning(_events.c.id))
        found = await self.get(int(event_id))
        assert found is not None
        return found

    async def add_posts(
        self, event: CalendarEvent, places: Sequence[Place], platforms: Mapping[str, str]
    ) -> CalendarEvent:
        posts = await insert_posts(
            self.tx,
            _posts,
            {"event_id": event.id},
            places,
            platforms,
            lambda number: _post_key(event.id, number),
        )
        return replace(event, elsewhere=posts)

    @staticmethod
    def select_events() -> Any:
        """Events with their message, series rule and interested count."""
        with_sent = _events.outerjoin(
            _sent,
            and_(
                _sent.c.bot == _events.c.bot,
                _sent.c.key == literal("event:", String) + cast(_events.c.id, String),
            ),
        ).outerjoin(_series, _series.c.id == _events.c.series_id)
        interested = (
            select(func.coalesce(func.sum(_interest.c.interested), 0))
            .where(_interest.c.event_id == _events.c.id)
            .scalar_subquery()
        )
        return select(
            *_events.c,
            *_SENT,
            _series.c.repeat.label("series_repeat"),
            _series.c.ended_at.label("series_ended"),
            interested.label("interested"),
        ).select_from(with_sent)

    async def get(self, event_id: int, *, lock: bool = False) -> CalendarEvent | None:
        query = self.select_events().where(_events.c.id == event_id)
        if lock and not self.tx.exclusive:
            query = query.with_for_update(of=_events)
        row = (await self.tx.connection.execute(query)).first()
        if row is None:
            return None
        found = event_of_row(row)
        if found.space is None:
            return found
        return replace(found, elsewhere=tuple(await self._posts(found.id)))

    async def _posts(self, event_id: int) -> list[Post]:
        key = (
            literal("event:", String)
            + cast(_posts.c.event_id, String)
            + literal(":", String)
            + cast(_posts.c.number, String)
        )
        joined = _posts.outerjoin(_sent, and_(_sent.c.bot == _posts.c.bot, _sent.c.key == key))
        rows = await self.tx.connection.execute(
            select(*_posts.c, *_SENT)
            .select_from(joined)
            .where(_posts.c.event_id == event_id)
            .order_by(_posts.c.number)
        )
        return [
            Post(
                bot=row.bot,
                platform=row.platform,
                community_id=row.community_id,
                channel_id=row.channel_id,
                thread_id=None,
                key=_post_key(event_id, row.number),
                message=_message(row),
            )
            for row in rows
        ]

    async def upcoming(
        self, bot: str, community_id: str, now: datetime, limit: int
    ) -> list[CalendarEvent]:
        posted_here = select(_posts.c.event_id).where(
            _posts.c.bot == bot, _posts.c.community_id == community_id
        )
        ends = _events.c.starts_at  # compared with the duration in Python below
        query = (
            self.select_events()
            .where(
                or_(
                    and_(_events.c.bot == bot, _events.c.community_id == community_id),
                    _events.c.id.in_(posted_here),
                ),
                _events.c.cancelled_at.is_(None),
                ends > now - timedelta(days=14),
            )
            .order_by(_events.c.starts_at, _events.c.id)
        )
        found = []
        for row in await self.tx.connection.execute(query):
            event = event_of_row(row)
            if event.ends_at > now:
                found.append(event)
            if len(found) >= limit:
                break
        return found

    async def update(
        self, event_id: int, *, details: Details, starts_at: datetime, slot: datetime | None
    ) -> None:
        await self.tx.execute(
            update(_events)
            .where(_events.c.id == event_id)
            .values(**_detail_values(details), starts_at=starts_at, slot=slot)
        )

    async def cancel(self, event_id: int, now: datetime) -> bool:
        result = await self.tx.execute(
            update(_events)
            .where(_events.c.id == event_id, _events.c.cancelled_at.is_(None))
            .values(cancelled_at=now)
        )
        return bool(result.rowcount)

    # -- series ---------------------------------------------------------------------------

    async def create_series(
        self, *, repeat: Repeat, anchor: datetime, tz: str, details: Details, now: datetime
    ) -> Series:
        series_id = await self._scalar(
            _series.insert()
            .values(
                repeat=repeat.value,
                anchor=anchor.isoformat(timespec="seconds"),
                tz=tz,
                created_at=now,
                **_detail_values(details),
            )
            .returning(_series.c.id)
        )
        return Series(int(series_id), repeat, anchor, tz, details)

    async def series(self, series_id: int) -> Series | None:
        row = (
            await self.tx.connection.execute(select(_series).where(_series.c.id == series_id))
        ).first()
        if row is None:
            return None
        return Series(
            id=row.id,
            repeat=Repeat(row.repeat),
            anchor=datetime.fromisoformat(row.anchor),
            tz=row.tz,
            details=_details(row),
            ended=row.ended_at is not None,
        )

    async def update_series(
        self, series_id: int, *, details: Details, anchor: datetime | None = None
    ) -> None:
        values = _detail_values(details)
        if anchor is not None:
            values["anchor"] = anchor.isoformat(timespec="seconds")
        await self.tx.execute(update(_series).where(_series.c.id == series_id).values(values))

    async def end_series(self, series_id: int, now: datetime) -> None:
        await self.tx.execute(
            update(_series)
            .where(_series.c.id == series_id, _series.c.ended_at.is_(None))
            .values(ended_at=now)
        )

    # -- answers --------------------------------------------------------------------------

    async def rsvps(self, event_id: int) -> list[Rsvp]:
        rows = await self.tx.connection.execute(
            select(_rsvps)
            .where(_rsvps.c.event_id == event_id)
            .order_by(_rsvps.c.position, _rsvps.c.voter)
        )
        return [_rsvp(row) for row in rows]

    async def rsvp_of(self, event_id: int, platform: str, user_id: str) -> Rsvp | None:
        row = (
            await self.tx.connection.execute(
                select(_rsvps).where(
                    _rsvps.c.event_id == event_id,
                    _rsvps.c.platform == platform,
                    _rsvps.c.user_id == user_id,
                )
            )
        ).first()
        return _rsvp(row) if row is not None else None

    async def answer(
        self,
        event_id: int,
        voter: str,
        account: Account,
        status: Status,
        order: int,
        now: datetime,
    ) -> None:
        kept = (
            await self.tx.connection.execute(
                select(_rsvps.c.reminders).where(
                    _rsvps.c.event_id == event_id, _rsvps.c.voter == voter
                )
            )
        ).scalar_one_or_none()
        await self.tx.execute(
            delete(_rsvps).where(_rsvps.c.event_id == event_id, _rsvps.c.voter == voter)
        )
        await self.tx.execute(
            _rsvps.insert().values(
                event_id=event_id,
                voter=voter,
                platform=account.platform,
                bot=account.bot,
                user_id=account.user_id,
                display_name=account.display_name[:256],
                community_id=account.community_id,
                channel_id=account.channel_id,
                status=status.value,
                position=order,
                reminders=True if kept is None else bool(kept),
                answered_at=now,
            )
        )

    async def promote(self, event_id: int, voters: Sequence[str]) -> None:
        if voters:
            await self.tx.execute(
                update(_rsvps)
                .where(_rsvps.c.event_id == event_id, _rsvps.c.voter.in_(list(voters)))
                .values(status=Status.GOING.value)
            )

    async def set_reminders(self, event_id: int, voter: str, on: bool) -> None:
        await self.tx.execute(
            update(_rsvps)
            .where(_rsvps.c.event_id == event_id, _rsvps.c.voter == voter)
            .values(reminders=on)
        )

    async def check_in(self, event_id: int, voter: str, account: Account, now: datetime) -> bool:
        statement = (
            self.tx.store._insert(_attendance)
            .values(
                event_id=event_id,
                voter=voter,
                platform=account.platform,
                user_id=account.user_id,
                display_name=account.display_name[:256],
                checked_in_at=now,
            )
            .on_conflict_do_nothing()
        )
        result = await self.tx.execute(statement)
        return bool(result.rowcount)

    async def attended(self, event_id: int) -> int:
        count = await self.tx.connection.execute(
            select(func.count()).select_from(_attendance).where(_attendance.c.event_id == event_id)
        )
        return int(count.scalar_one())
