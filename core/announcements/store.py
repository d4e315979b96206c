"""What the announcements feature needs from storage."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from townsquare.core.announcements.rules import Every
from townsquare.core.privacy import PersonalData


@dataclass(frozen=True, slots=True)
class Draft:
    """An announcement as ``/announce`` asked for it, before it has an id."""

    platform: str
    bot: str
    community_id: str
    channel_id: str
    thread_id: str | None
    text: str
    pin: bool
    space: str | None
    every: Every | None
    zone: str
    """The community's time zone when it was asked for (its recurrence keeps local time
    there)."""
    first_at: datetime
    """When it is posted first (UTC): now, or ``--at``."""
    created_by: str
    created_by_name: str


@dataclass(frozen=True, slots=True)
class Announcement:
    id: int
    platform: str
    bot: str
    community_id: str | None
    channel_id: str
    thread_id: str | None
    text: str
    pin: bool
    space: str | None
    """The space it goes to (``--space``): every community of it, as the config lists
    them when it is posted."""
    every: Every | None
    zone: str
    first_at: datetime
    next_at: datetime | None
    """When it is posted next (UTC); None once nothing is left to post (a one-off that was
    posted, a cancelled one)."""
    posted: int
    """How many times it was posted: the number of the occurrence posted last."""
    created_by: str
    created_by_name: str
    created_at: datetime
    cancelled_at: datetime | None = None

    @property
    def scheduled(self) -> bool:
        return self.next_at is not None and self.cancelled_at is None


class AnnouncementStore(PersonalData, Protocol):
    async def create(
        self, draft: Draft, *, posted: int, next_at: datetime | None, now: datetime
    ) -> Announcement:
        """Store it, ``posted`` times posted already (1 when it went out at once)."""
        ...

    async def get(self, announcement_id: int) -> Announcement | None: ...

    async def scheduled(
        self, platforms: Collection[str], community_id: str, space: str | None, *, limit: int
    ) -> list[Announcement]:
        """The announcements still to be posted of the community (on one of
        ``platforms``) and those sent to its space from anywhere, soonest first."""
        ...

    async def advance(
        self, announcement_id: int, occurrence: int, next_at: datetime | None
    ) -> bool:
        """Record that occurrence number ``occurrence`` is posted, and when the next is
        (None: no more). False, changing nothing, unless the one posted last was
        ``occurrence - 1`` and it is not cancelled: an occurrence is posted once however
        many times its job fires."""
        ...

    async def cancel(self, announcement_id: int, now: datetime) -> bool:
        """Stop it; False if nothing was left to post."""
        ...
