"""What the events feature needs from storage (``storage.calendar`` implements it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from townsquare.core.calendar.recurrence import Repeat
from townsquare.core.calendar.rules import Seat, Status
from townsquare.core.posts import Post as Post  # shared by every feature that posts
from townsquare.core.privacy import PersonalData
from townsquare.core.refs import MessageRef
from townsquare.core.spaces import Place


@dataclass(frozen=True, slots=True)
class Details:
    """What a manager sets and edits: copied from a series to each of its occurrences."""

    title: str
    where: str | None
    duration: timedelta
    capacity: int | None
    remind: tuple[timedelta, ...]
    cutoff: timedelta
    """Answers close this long before the start (zero: at the start)."""


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One event, or one occurrence of a recurring series (each has its own id, answers
    and reminders)."""

    id: int
    platform: str
    bot: str
    community_id: str | None
    channel_id: str
    thread_id: str | None
    details: Details
    starts_at: datetime
    tz: str
    """The zone it was created in: how its time is written out where a platform cannot
    show each reader their own."""
    created_by: str
    series_id: int | None = None
    repeat: Repeat | None = None
    """The series' rule while the series goes on (None once it ended, or never)."""
    slot: datetime | None = None
    """The series' time this occurrence stands for (its start unless moved alone)."""
    space: str | None = None
    cancelled_at: datetime | None = None
    message: MessageRef | None = None
    elsewhere: tuple[Post, ...] = ()
    mirror: bool = False
    """A Discord scheduled event mirrors it (created under :attr:`mirror_key`)."""
    checkin_code: str | None = None
    """The code ``/event checkin`` shows the room, once it was asked for."""
    interested: int = 0
    """Those who marked its Discord scheduled events "Interested", as Discord counts."""

    @property
    def key(self) -> str:
        return f"event:{self.id}"

    @property
    def mirror_key(self) -> str:
        return f"event-mirror:{self.id}"

    @property
    def title(self) -> str:
        return self.details.title

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + self.details.duration

    @property
    def closes_at(self) -> datetime:
        """When answers close."""
        return self.starts_at - self.details.cutoff

    @property
    def posts(self) -> tuple[Post, ...]:
        own = Post(
            self.bot,
            self.platform,
            self.community_id,
            self.channel_id,
            self.thread_id,
            self.key,
            self.message,
        )
        return (own, *self.elsewhere)


@dataclass(frozen=True, slots=True)
class Series:
    """A recurring event's rule: occurrences are made one at a time, each when the one
    before it starts or is cancelled."""

    id: int
    repeat: Repeat
    anchor: datetime
    """The first occurrence's wall-clock time in ``tz`` (naive): every occurrence falls
    at that local time, whatever daylight saving does."""
    tz: str
    details: Details
    ended: bool = False


@dataclass(frozen=True, slots=True)
class Rsvp:
    """A member's answer, with the account to write to (the last one they answered with)."""

    voter: str
    platform: str
    bot: str
    user_id: str
    display_name: str
    community_id: str | None
    channel_id: str | None
    status: Status
    order: int
    reminders: bool = True
    answered_at: datetime | None = None

    @property
    def seat(self) -> Seat:
        return Seat(self.status, self.order)


@dataclass(frozen=True, slots=True)
class Account:
    """Who answered, and where."""

    platform: str
    bot: str
    user_id: str
    display_name: str
    community_id: str | None
    channel_id: str | None


@dataclass(frozen=True, slots=True)
class Counts:
    by_status: Mapping[Status, int] = field(default_factory=dict)

    def of(self, status: Status) -> int:
        return self.by_status.get(status, 0)


class EventStore(PersonalData, Protocol):
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
    ) -> CalendarEvent: ...

    async def create_series(
        self, *, repeat: Repeat, anchor: datetime, tz: str, details: Details, now: datetime
    ) -> Series: ...

    async def series(self, series_id: int) -> Series | None: ...

    async def update_series(
        self, series_id: int, *, details: Details, anchor: datetime | None = None
    ) -> None: ...

    async def end_series(self, series_id: int, now: datetime) -> None: ...

    async def add_posts(
        self, event: CalendarEvent, places: Sequence[Place], platforms: Mapping[str, str]
    ) -> CalendarEvent:
        """Record a space event's posts in ``places`` (``platforms``: bot -> platform)."""
        ...

    async def get(self, event_id: int, *, lock: bool = False) -> CalendarEvent | None:
        """The event with its posts; ``lock``: no other transaction changes its answers
        until this one ends (a press reads, decides and writes under it)."""
        ...

    async def upcoming(
        self, bot: str, community_id: str, now: datetime, limit: int
    ) -> list[CalendarEvent]:
        """Events shown in this community (created here, or posted here for a space)
        that have not ended and are not cancelled, soonest first."""
        ...

    async def update(
        self, event_id: int, *, details: Details, starts_at: datetime, slot: datetime | None
    ) -> None: ...

    async def cancel(self, event_id: int, now: datetime) -> bool:
        """Mark cancelled; False if it already was."""
        ...

    async def rsvps(self, event_id: int) -> list[Rsvp]:
        """Every answer, in the order people asked to go."""
        ...

    async def rsvp_of(self, event_id: int, platform: str, user_id: str) -> Rsvp | None:
        """The answer given with this account."""
        ...

    async def answer(
        self,
        event_id: int,
        voter: str,
        account: Account,
        status: Status,
        order: int,
        now: datetime,
    ) -> None:
        """Store ``voter``'s answer (replacing theirs)."""
        ...

    async def promote(self, event_id: int, voters: Sequence[str]) -> None:
        """Move these waiting voters to Going."""
        ...

    async def set_reminders(self, event_id: int, voter: str, on: bool) -> None: ...

    async def check_in(self, event_id: int, voter: str, account: Account, now: datetime) -> bool:
        """Record attendance; False if ``voter`` was already checked in."""
        ...

    async def attended(self, event_id: int) -> int: ...

    async def set_checkin_code(self, event_id: int, code: str) -> str:
        """Store ``code`` unless the event has one; the event's code either way."""
        ...

    async def mirrored(self, bot: str, platform_id: str) -> tuple[int, str] | None:
        """The event and mirror key whose native event ``bot`` created as ``platform_id``."""
        ...

    async def set_interest(self, event_id: int, mirror_key: str, count: int, now: datetime) -> bool:
        """Store a mirror's interested count; False if it already was that."""
        ...

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
        """The secret token of the feed ``owner`` (made on first use; ``reset``: a new
        one, the old one stops working)."""
        ...


def counts(rsvps: Sequence[Rsvp]) -> Counts:
    found: dict[Status, int] = {}
    for rsvp in rsvps:
        found[rsvp.status] = found.get(rsvp.status, 0) + 1
    return Counts(found)


def next_order(rsvps: Sequence[Rsvp]) -> int:
    return max((rsvp.order for rsvp in rsvps), default=0) + 1


StoreFactory = Any
"""``tx -> EventStore`` (the composition root passes ``storage.calendar.SqlEventStore``)."""
