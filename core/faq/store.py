"""What the FAQ feature needs from storage.

Entries belong to one community (``CommunityRef.platform`` + ``id``). Every change of a
community's entries goes through :meth:`FaqStore.bump`, which moves the community's
:class:`Revision` forward under a row lock and stamps the written rows with the new number;
see :mod:`core.faq.index` for how that keeps in-memory indexes correct.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from townsquare.core.privacy import PersonalData
from townsquare.core.refs import CommunityRef


@dataclass(frozen=True, slots=True)
class Revision:
    """A community's FAQ version: ``number`` counts changes, ``token`` is random per change
    so a number reused after a rollback is never mistaken for the state that was undone."""

    number: int
    token: str


EMPTY = Revision(0, "")


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    question: str
    answer: str
    revision: int
    """The community revision that last wrote this entry."""
    removed: bool = False
    author_id: str | None = None
    """Who added it (a manager's account on ``author_platform``); None for entries added
    before authors were recorded, or imported."""
    author_platform: str | None = None


@dataclass(frozen=True, slots=True)
class EntryStats:
    entry: Entry
    hits: int
    helpful: int
    not_helpful: int


@dataclass(frozen=True, slots=True)
class Unanswered:
    id: int
    text: str
    """The latest wording of the question."""
    normalised: str
    count: int
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True, slots=True)
class NewEntry:
    question: str
    answer: str
    author_id: str | None = None
    author_platform: str | None = None


class FaqStore(PersonalData, Protocol):
    # -- revisions ----------------------------------------------------------------------

    async def revision(self, community: CommunityRef) -> Revision:
        """The current revision (cheap: one primary-key read); EMPTY if never changed."""
        ...

    async def history(self, community: CommunityRef) -> dict[int, str]:
        """Tokens of the recent revisions by number (a bounded window)."""
        ...

    async def bump(self, community: CommunityRef, now: datetime) -> Revision:
        """Lock the community's revision row, move it forward, return the new revision.
        Call it *before* writing entries and stamp them with ``number``."""
        ...

    # -- entries ------------------------------------------------------------------------

    async def entries(self, community: CommunityRef) -> list[Entry]:
        """Every live entry, by id."""
        ...

    async def changed_since(self, community: CommunityRef, number: int) -> list[Entry]:
        """Entries written after revision ``number``, removed ones included."""
        ...

    async def get(self, community: CommunityRef, entry_id: int) -> Entry | None:
        """A live entry of this community, or None."""
        ...

    async def add(
        self, community: CommunityRef, entries: Sequence[NewEntry], revision: int, now: datetime
    ) -> list[int]:
        """Insert entries (one statement); their ids in order."""
        ...

    async def edit(
        self,
        community: CommunityRef,
        entry_id: int,
        revision: int,
        now: datetime,
        *,
        answer: str | None = None,
        question: str | None = None,
    ) -> bool: ...

    async def remove(
        self, community: CommunityRef, entry_id: int, revision: int, now: datetime
    ) -> bool:
        """Mark removed (kept for its votes; ids are never reused)."""
        ...

    # -- usage --------------------------------------------------------------------------

    async def record_hit(self, entry_id: int) -> None: ...

    async def vote(self, entry_id: int, user_id: str, helpful: bool, now: datetime) -> bool:
        """Record (or change) a member's vote; False if it was already exactly that."""
        ...

    async def stats(
        self, community: CommunityRef, *, offset: int = 0, limit: int = 20
    ) -> list[EntryStats]:
        """Live entries with hits and votes, by id."""
        ...

    async def count(self, community: CommunityRef) -> int: ...

    async def last_answered(self, entry_id: int, channel_key: str) -> datetime | None:
        """When the entry was last auto-answered in this channel (for the cooldown)."""
        ...

    async def answered(self, entry_id: int, channel_key: str, now: datetime) -> None: ...

    # -- unanswered questions -----------------------------------------------------------

    async def record_unanswered(
        self, community: CommunityRef, normalised: str, text: str, now: datetime
    ) -> None:
        """Count one more asking of the question ``normalised`` (keeping ``text``)."""
        ...

    async def unanswered(self, community: CommunityRef, limit: int) -> list[Unanswered]:
        """The most asked unanswered questions, most frequent first."""
        ...

    async def dismiss_unanswered(self, community: CommunityRef, item_id: int) -> bool: ...

    async def has_unanswered(self, community: CommunityRef, item_id: int) -> bool:
        """Whether the community has the unanswered question ``item_id``."""
        ...
