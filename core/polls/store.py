"""What the polls feature needs from storage."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from townsquare.core.posts import Post as Post  # shared by every feature that posts
from townsquare.core.privacy import PersonalData
from townsquare.core.refs import MessageRef
from townsquare.core.spaces import Place


@dataclass(frozen=True, slots=True)
class Poll:
    id: int
    platform: str
    bot: str
    community_id: str | None
    channel_id: str
    thread_id: str | None
    question: str
    options: tuple[str, ...]
    multi: bool
    anonymous: bool
    closes_at: datetime | None
    closed_at: datetime | None
    created_by: str
    message: MessageRef | None = None
    """The poll message as the platform reported it when it was posted (None until
    then): a press counts only on it."""
    space: str | None = None
    """The space it was posted to (``/poll --space``): one tally, each person once."""
    elsewhere: tuple[Post, ...] = ()
    """A space poll's posts in the space's other communities."""

    @property
    def key(self) -> str:
        """The outbox key of the poll message, so every tally update edits it."""
        return f"poll:{self.id}"

    @property
    def posts(self) -> tuple[Post, ...]:
        """Every message the poll is shown in: its own first."""
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
class Vote:
    user_id: str
    display_name: str
    option: int


@dataclass(frozen=True, slots=True)
class Tally:
    counts: tuple[int, ...]
    voters: int


class PollStore(PersonalData, Protocol):
    async def create(
        self,
        *,
        platform: str,
        bot: str,
        community_id: str | None,
        channel_id: str,
        thread_id: str | None,
        question: str,
        options: tuple[str, ...],
        multi: bool,
        anonymous: bool,
        closes_at: datetime | None,
        created_by: str,
        now: datetime,
        space: str | None = None,
    ) -> Poll: ...

    async def add_posts(
        self, poll: Poll, places: Sequence[Place], platforms: Mapping[str, str]
    ) -> Poll:
        """Record a space poll's posts in ``places`` (``platforms``: bot -> platform)."""
        ...

    async def get(self, poll_id: int, platform: str) -> Poll | None: ...

    async def get_for_voter(
        self, poll_id: int, platform: str, user_id: str
    ) -> tuple[Poll, frozenset[int]] | None:
        """The poll and the member's current options, read together (one statement: a
        button press needs both)."""
        ...

    async def votes(self, poll_id: int) -> list[Vote]: ...

    async def tally(self, poll_id: int, options: int) -> Tally:
        """Votes per option and distinct voters, counted by the database."""
        ...

    async def member_votes(self, poll_id: int, user_id: str) -> frozenset[int]: ...

    async def set_votes(
        self,
        poll_id: int,
        user_id: str,
        display_name: str,
        options: frozenset[int],
        now: datetime,
        *,
        current: frozenset[int] | None = None,
    ) -> None:
        """Make the member's votes exactly ``options`` (insert new, delete dropped): applied
        at once to what this store reads (tally, the member's votes), written to the
        database at the next :meth:`flush`.

        ``current``: the member's options as read earlier in this transaction."""
        ...

    async def preload(self, voters: Mapping[int, Collection[str]]) -> None:
        """Read ahead for a chunk of presses: the polls (``poll id -> user ids``) and those
        members' current votes, in a few statements for the whole chunk."""
        ...

    async def flush(self) -> None:
        """Write the votes :meth:`set_votes` applied since the last flush (multi-row
        statements); called at the end of every chunk, before the transaction commits."""
        ...

    async def close(self, poll_id: int, now: datetime) -> bool:
        """Mark closed; False if it already was (closing twice does nothing)."""
        ...
