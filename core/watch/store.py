"""What the watch-words feature needs from storage, and the rows it reads back.

Nothing of a message is stored but what a manager's digest shows: the phrase, where the
message is (ids and its link), who wrote it (a display name) and an excerpt of at most
:data:`core.watch.rules.EXCERPT_CHARS` characters around the mention, sanitised
(:func:`core.watch.rules.sanitised`). Mentions and counts older than
:data:`core.watch.rules.KEEP_HOURS` are forgotten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from townsquare.core.privacy import PersonalData


@dataclass(frozen=True, slots=True)
class Phrase:
    id: int
    scope: str
    text: str
    key: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Mention:
    """One message mentioning one phrase (what the digest lists)."""

    scope: str
    hour: int
    phrase_id: int
    phrase: str
    platform: str
    bot: str
    community_id: str
    channel_id: str
    message_id: str
    author: str
    excerpt: str
    link: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class HourCount:
    phrase_id: int
    phrase: str
    hits: int


@dataclass(frozen=True, slots=True)
class Digest:
    """Where an hour's digest was sent (so later changes edit it)."""

    bot: str
    channel_id: str
    shown: int
    """How many mentions it counted when last sent or edited."""


class WatchStore(PersonalData, Protocol):
    async def phrases(self, scope: str) -> list[Phrase]: ...

    async def phrase(self, phrase_id: int) -> Phrase | None: ...

    async def phrase_by_key(self, scope: str, key: str) -> Phrase | None: ...

    async def add(self, scope: str, text: str, key: str, now: datetime) -> Phrase | None:
        """The new phrase, or None when the scope already watches ``key``."""
        ...

    async def remove(self, phrase_id: int) -> bool: ...

    async def count(self, scope: str) -> int: ...

    async def record(self, mentions: Sequence[Mention]) -> list[Mention]:
        """Keep the mentions and count them in their hours: one statement for all of them,
        one for their counts. Those kept (a message already counted for a phrase, the same
        message delivered twice, is not kept again)."""
        ...

    async def unalerted(self, scope: str, hour: int, minimum: int) -> list[tuple[int, int]]:
        """``(phrase_id, mentions)`` of the hour's phrases mentioned at least ``minimum``
        times whose spike was not alerted yet."""
        ...

    async def latest(self, scope: str, phrase_id: int, hour: int) -> Mention | None: ...

    async def previous(self, scope: str, phrase_id: int, hour: int, hours: int) -> int:
        """Mentions of the phrase in the ``hours`` whole hours before ``hour``."""
        ...

    async def mark_alerted(self, scope: str, phrase_id: int, hour: int) -> bool:
        """Note the hour's spike alert; False if it was already noted (sent)."""
        ...

    async def hour(
        self, scope: str, hour: int, limit: int
    ) -> tuple[list[HourCount], list[Mention]]:
        """The hour's counts per phrase (most mentioned first) and its latest ``limit``
        mentions (oldest first)."""
        ...

    async def digest(self, scope: str, hour: int) -> Digest | None: ...

    async def digest_sent(self, scope: str, hour: int, digest: Digest) -> None: ...

    async def prune(self, scope: str, before: int) -> None:
        """Forget mentions, counts and digests of hours before ``before``."""
        ...
