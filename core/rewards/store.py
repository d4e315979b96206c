"""What the rewards feature needs from storage.

A wallet is one person's XP, level and reputation in one *scope*: a space (``[[spaces]]``)
or a community outside any (:func:`core.rewards.scopes.scope_of`). Ordinary messages are
read ahead per chunk (:meth:`RewardsStore.preload`) and written per chunk
(:meth:`RewardsStore.flush`); what managers and other features' facts change is written
at once, from a row read for update.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from townsquare.core.privacy import PersonalData
from townsquare.core.rewards.rules import Period, Periods


@dataclass(frozen=True, slots=True)
class Wallet:
    scope: str
    person_id: int
    xp: int = 0
    level: int = 0
    reputation: int = 0
    next_xp_at: datetime | None = None
    """When the cooldown of the last message that earned XP ends."""
    miss: str | None = None
    """Why the last message that could have earned (out of its cooldown) did not
    (:class:`core.rewards.rules.Miss`); None once one earns again."""
    digest: str | None = None
    """The text (:func:`core.rewards.rules.digest`) of the last message that earned: a
    repeat of it earns nothing."""
    periods: Periods = field(default_factory=Periods)
    display_name: str = ""
    platform: str = ""
    user_id: str = ""
    """The account that last earned here (for the leaderboard's names)."""
    username: str | None = None
    synced: Mapping[str, int] = field(default_factory=dict)
    """Community (``platform:id``) -> the level its role rewards were last given for."""


@dataclass(frozen=True, slots=True)
class Standing:
    """One line of a leaderboard."""

    person_id: int
    xp: int
    display_name: str
    level: int


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """Why XP changed other than by a message: a manager (``/xp``), or a fact another
    feature published (a helpful answer, a useful report, an attended event)."""

    kind: str
    """``give``, ``take``, ``reset``, ``faq``, ``report``, ``event``."""
    by_platform: str | None = None
    by_user_id: str | None = None
    by_name: str | None = None
    """The manager who did it (None for a fact)."""
    source: str | None = None
    """For a fact: a key unique to what it rewards (``faq:12:u7``), so a thing is
    rewarded once however often its fact repeats."""


class RewardsStore(PersonalData, Protocol):
    async def preload(self, persons: Collection[int]) -> None:
        """For a chunk of messages, in one statement: the wallets in every scope of these
        persons (its authors', from :class:`core.persons.PersonDirectory`), locked until
        the transaction ends where the database lets other processes write meanwhile
        (PostgreSQL; on SQLite the transaction holds the one write lock)."""
        ...

    def cached(self, scope: str, person_id: int, *, lock: bool = False) -> Wallet | None:
        """:meth:`wallet` where this transaction read it already (``lock``: for update,
        where that matters), with no statement; None if it has to be read."""
        ...

    async def wallet(self, scope: str, person_id: int, *, lock: bool = False) -> Wallet:
        """The wallet (an empty one if the person has none yet), with this transaction's
        pending changes; ``lock``: as :meth:`lock` before it is read."""
        ...

    async def earn(self, wallet: Wallet, now: datetime) -> None:
        """Record that a message earned (``wallet`` is the wallet after it); written at
        the next :meth:`flush`."""
        ...

    async def missed(self, wallet: Wallet, now: datetime) -> None:
        """Record the reason a message earned nothing (``wallet.miss``); written at the next
        :meth:`flush`."""
        ...

    async def adjust(self, wallet: Wallet, delta: int, entry: LedgerEntry, now: datetime) -> bool:
        """Store ``wallet`` (already changed by ``delta`` XP) with a ledger row, at once;
        False (nothing stored) if ``entry.source`` was rewarded before."""
        ...

    async def reset(self, wallet: Wallet, entry: LedgerEntry, now: datetime) -> None:
        """Store ``wallet`` (XP and level zero) with a ledger row."""
        ...

    async def save(self, wallet: Wallet, now: datetime) -> None:
        """Store ``wallet`` as it is (reputation, role levels), at once."""
        ...

    async def thank(
        self, scope: str, giver: int, receiver: int, now: datetime, since: datetime
    ) -> bool:
        """Record that ``giver`` thanked ``receiver``; False if they did since ``since``."""
        ...

    async def board(
        self, scope: str, period: Period, at: datetime, offset: int, limit: int
    ) -> tuple[list[Standing], int]:
        """A page of the leaderboard of ``period`` as it reads at ``at``, and how many
        members are on it."""
        ...

    async def position(self, scope: str, xp: int) -> tuple[int, int]:
        """``(place, members)``: where a wallet with ``xp`` stands among the scope's
        wallets with XP (1 for the most)."""
        ...

    async def by_handle(self, scope: str, handle: str) -> Wallet | None:
        """The wallet whose last account has this username (``@bob``)."""
        ...

    async def register(
        self, platform: str, community_id: str, channel_id: str, now: datetime
    ) -> bool:
        """Remember a community that uses rewards; True the first time."""
        ...

    async def community_channel(self, platform: str, community_id: str) -> str | None:
        """The channel the community was first seen earning XP in."""
        ...

    async def weekly_due(self, platform: str, community_id: str, week: int) -> bool:
        """Claim the weekly post of ``week`` for the community; False if already made."""
        ...

    async def fold(self, keep: int, merged: int, now: datetime) -> list[Wallet]:
        """Person ``merged`` became ``keep`` (``/link``): their wallets in each scope become
        one (XP, reputation and the period counters added up), stored with the higher of
        the two levels; the joined wallets (the caller works out each one's level from its
        XP and saves it if it differs)."""
        ...

    async def flush(self) -> None:
        """Write what :meth:`earn` and :meth:`missed` kept (multi-row statements)."""
        ...
