"""What the giveaways feature needs from storage (``storage.giveaways`` implements it)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from townsquare.core.giveaways.draw import Round
from townsquare.core.giveaways.rules import Requirements
from townsquare.core.posts import Post as Post  # shared by every feature that posts
from townsquare.core.privacy import PersonalData
from townsquare.core.refs import MessageRef
from townsquare.core.spaces import Place


@dataclass(frozen=True, slots=True)
class Giveaway:
    id: int
    platform: str
    bot: str
    community_id: str | None
    channel_id: str
    thread_id: str | None
    prize: str
    winners: int
    requirements: Requirements
    ends_at: datetime
    seed: str
    """Secret until the draw: never shown before :attr:`drawn_at` is set."""
    seed_hash: str
    created_by: str
    drawn_at: datetime | None = None
    space: str | None = None
    message: MessageRef | None = None
    elsewhere: tuple[Post, ...] = ()

    @property
    def key(self) -> str:
        return f"giveaway:{self.id}"

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
class Entry:
    """One entrant: ``entrant`` is the key the draw uses (the person), the rest is the
    account they pressed with, to name and tell them."""

    entrant: str
    platform: str
    bot: str
    user_id: str
    display_name: str


class GiveawayStore(PersonalData, Protocol):
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
    ) -> Giveaway: ...

    async def add_posts(
        self, giveaway: Giveaway, places: Sequence[Place], platforms: Mapping[str, str]
    ) -> Giveaway:
        """Record a space giveaway's posts in ``places`` (``platforms``: bot -> platform)."""
        ...

    async def get(self, giveaway_id: int, platform: str) -> Giveaway | None:
        """The giveaway if it is shown on ``platform`` (any of its posts)."""
        ...

    async def enter(
        self, giveaway_id: int, entry: Entry, aliases: Collection[str], now: datetime
    ) -> bool:
        """Add the entry unless its entrant, or any of ``aliases`` (other keys of the same
        person), has one already; False then. Safe against concurrent presses."""
        ...

    async def entry_count(self, giveaway_id: int) -> int: ...

    async def entries(self, giveaway_id: int) -> list[Entry]:
        """Every entry, ordered by entrant key."""
        ...

    async def rounds(self, giveaway_id: int) -> list[Round]: ...

    async def add_round(
        self, giveaway_id: int, drawn: Round, now: datetime, drawn_by: str | None
    ) -> bool:
        """Store a round; False if that round number is already stored (a second draw)."""
        ...

    async def mark_drawn(self, giveaway_id: int, now: datetime) -> bool:
        """Mark the giveaway drawn; False if it already was, so the draw happens once."""
        ...

    async def set_level(self, scope: str, person_id: int, level: int, at: datetime) -> None:
        """Remember a member's level in a scope (from a level fact at ``at``; an older
        fact than the one stored changes nothing)."""
        ...

    async def level(self, scope: str, person_ids: Collection[int]) -> int:
        """The highest level stored for any of ``person_ids`` in ``scope`` (0 if none)."""
        ...
