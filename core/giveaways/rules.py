"""What a giveaway allows, as pure functions: its limits, who may enter, and the scope a
member's level is read in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ClassVar

from townsquare.core.buttons import Payload
from townsquare.core.persons import account_platform

MAX_PRIZE = 200
"""Characters of a prize: it is shown on the post and in every result."""
MAX_WINNERS = 50
MAX_MIN_DAYS = 3650
MAX_MIN_LEVEL = 1000
SHORTEST = timedelta(minutes=1)
LONGEST = timedelta(days=90)
"""How far away a deadline may be (as ``/poll --closes``)."""


@dataclass(frozen=True, slots=True)
class EnterButton(Payload):
    """The Enter button of giveaway ``giveaway_id``: ``giveaway:<id>``."""

    prefix: ClassVar[str] = "giveaway"
    giveaway_id: int


@dataclass(frozen=True, slots=True)
class Requirements:
    min_days: int | None = None
    """Days in the community (the roster's join time) an entrant needs."""
    min_level: int | None = None
    """Level (from the rewards feature's level facts) an entrant needs."""


class Refusal(StrEnum):
    TOO_NEW = "too_new"
    JOIN_UNKNOWN = "join_unknown"
    LEVEL_LOW = "level_low"


def refusal(
    requirements: Requirements, *, joined_at: datetime | None, level: int, now: datetime
) -> Refusal | None:
    """Why a member may not enter, or None if they may. ``joined_at``: when the roster
    saw them join the community they press in (None: never seen joining)."""
    if requirements.min_days:
        if joined_at is None:
            return Refusal.JOIN_UNKNOWN
        if now - joined_at < timedelta(days=requirements.min_days):
            return Refusal.TOO_NEW
    if requirements.min_level and level < requirements.min_level:
        return Refusal.LEVEL_LOW
    return None


def days_left(min_days: int, joined_at: datetime, now: datetime) -> int:
    """Whole days until a member who joined at ``joined_at`` has ``min_days`` (at least 1)."""
    remaining = joined_at + timedelta(days=min_days) - now
    return max(1, remaining.days + (1 if remaining.seconds or remaining.microseconds else 0))


def level_scope(space: str | None, platform: str, community_id: str | None) -> str:
    """Where a member's level counts, as the level facts name it: the space (one wallet
    across its platforms) or the community."""
    if space is not None:
        return f"space:{space}"
    return f"community:{account_platform(platform)}:{community_id or ''}"


def person_key(person_id: int) -> str:
    """An entrant's key in the draw: the person, so linked accounts enter once."""
    return f"p{person_id}"


def account_key(platform: str, user_id: str) -> str:
    """An entrant's key where no person directory is wired (tests, plugins)."""
    return f"{account_platform(platform)}:{user_id}"
