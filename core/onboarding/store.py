"""What onboarding keeps, and the repository protocol it needs.

``storage.onboarding`` implements :class:`OnboardingStore` in SQL; the feature receives a
factory taking the batch transaction, so the domain never sees SQL. Communities are named
by ``(platform, community_id)`` with the platform's own id.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from townsquare.core.privacy import PersonalData


class GateStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    """The deadline passed; the member stays restricted."""
    REMOVED = "removed"
    RELEASED = "released"
    """The gate was switched off while the member waited."""


@dataclass(frozen=True, slots=True)
class Newcomer:
    """A member as onboarding knows them, from their join until they leave.

    ``waiting`` marks a greeting postponed into the next combined message; ``gate`` is
    None when no rules gate applied to them.
    """

    platform: str
    community_id: str
    user_id: str
    display_name: str
    bot: str
    channel_id: str
    thread_id: str | None
    joined_at: datetime
    waiting: bool = False
    greeted_at: datetime | None = None
    gate: GateStatus | None = None
    gate_due: datetime | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CommunityState:
    """Bookkeeping per community that must survive restarts."""

    platform: str
    community_id: str
    greetings: int = 0
    """Greeting messages sent so far; numbers the outbox keys for ``/welcome clean``."""
    last_greeting_bot: str | None = None
    last_greeting_key: str | None = None


class OnboardingStore(PersonalData, Protocol):
    async def newcomer(self, platform: str, community_id: str, user_id: str) -> Newcomer | None: ...

    async def add(self, newcomer: Newcomer) -> None:
        """Insert or replace the member's row (a rejoin starts over)."""
        ...

    async def add_later(self, newcomer: Newcomer) -> None:
        """:meth:`add`, written with the chunk's other joins at its end (:meth:`flush`):
        only as a handler's last step, so nothing can fail after it."""
        ...

    async def preload(self, joining: Mapping[tuple[str, str], Collection[str]]) -> None:
        """Read ahead for a chunk of joins (``(platform, community_id) -> user ids``):
        which are known, and since when newcomers wait."""
        ...

    async def flush(self) -> None:
        """Write what :meth:`add_later` kept (one multi-row statement)."""
        ...

    def once(self, key: str) -> bool:
        """True the first time ``key`` is asked in this transaction."""
        ...

    async def remove(self, platform: str, community_id: str, user_id: str) -> Newcomer | None:
        """Forget a member who left; return what was known."""
        ...

    async def waiting(self, platform: str, community_id: str) -> list[Newcomer]:
        """Members whose greeting waits for the combined message, oldest first."""
        ...

    async def first_waiting(self, platform: str, community_id: str) -> datetime | None:
        """When the oldest waiting member joined (None: nobody waits): one indexed row,
        however many wait, so a join in a burst costs what a single join costs."""
        ...

    async def greeted(
        self, platform: str, community_id: str, user_ids: Sequence[str], at: datetime
    ) -> None: ...

    async def decide(
        self, platform: str, community_id: str, user_id: str, status: GateStatus, at: datetime
    ) -> bool:
        """Move a pending gate to ``status``; False if it was not pending."""
        ...

    async def pending_gates(
        self, platform: str, community_id: str | None = None, user_id: str | None = None
    ) -> list[Newcomer]:
        """Members still waiting to accept the rules, by community and/or member."""
        ...

    async def state(self, platform: str, community_id: str) -> CommunityState: ...

    async def save_greetings(self, state: CommunityState, at: datetime) -> None:
        """Store the greeting counter and the last greeting's key."""
        ...

    async def mark_broken(
        self, platform: str, community_id: str, template: str, at: datetime
    ) -> bool:
        """Remember that managers were told ``template`` fails; False if they already were."""
        ...
