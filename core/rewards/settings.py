"""A community's rewards settings (``/levels set <key> <value>``), typed, with defaults.

The settings that make up a wallet's economy (how XP is earned, the curve, reputation's
cooldown, XP for helpful answers, reports and events) are a space's (``space=True``):
one wallet per person per space needs one set of rules. What belongs to one community's
chat (its channels, multipliers, role rewards, where level-ups and the weekly post go) is
each community's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import cache
from typing import Any, ClassVar

from townsquare.core.rewards.rules import (
    MAX_MULTIPLIER,
    MAX_XP_PER_MESSAGE,
    Curve,
    Economy,
    RoleMode,
)
from townsquare.core.settings import FeatureSettings, setting


class Announce(StrEnum):
    """Where a level-up is announced: ``channel`` where the member wrote (the default),
    ``here`` in the channel a manager chose (``/levels announce here``), ``dm`` privately,
    ``off`` nowhere."""

    CHANNEL = "channel"
    HERE = "here"
    DM = "dm"
    OFF = "off"


def _between(low: int, high: int) -> Any:
    return lambda value: low <= value <= high


def _roles(value: dict[str, Any] | None) -> bool:
    return value is None or all(
        k.isdigit() and isinstance(v, str) and bool(v) for k, v in value.items()
    )


def _channels(value: list[Any] | None) -> bool:
    return value is None or all(isinstance(item, str) for item in value)


def _multipliers(value: dict[str, Any] | None) -> bool:
    return value is None or all(
        isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= MAX_MULTIPLIER
        for v in value.values()
    )


DAY = 86_400


@cache
def _economy(xp_min: int, xp_max: int, cooldown: int, min_length: int) -> Economy:
    return Economy(xp_min, xp_max, timedelta(seconds=cooldown), min_length)


@dataclass(frozen=True, slots=True)
class RewardsSettings(FeatureSettings):
    namespace: ClassVar[str] = "rewards"

    enabled: bool = setting(True)
    xp_min: int = setting(15, valid=_between(0, MAX_XP_PER_MESSAGE), space=True)
    xp_max: int = setting(25, valid=_between(0, MAX_XP_PER_MESSAGE), space=True)
    cooldown: int = setting(60, valid=_between(0, DAY), space=True)
    """Seconds between two messages that earn XP."""
    curve: Curve = setting(Curve.MEE6, space=True)
    level_xp: int = setting(100, valid=_between(1, 1_000_000), space=True)
    """The step of the ``linear`` and ``flat`` curves."""
    min_length: int = setting(5, valid=_between(0, 200), space=True)
    thanks: bool = setting(True)
    """Thank-you replies give reputation (``/thanks`` always does)."""
    thanks_cooldown: int = setting(12 * 3600, valid=_between(0, 30 * DAY), space=True)
    """Seconds before one member's thanks to the same member count again."""
    xp_faq: int = setting(20, valid=_between(0, 10_000), space=True)
    xp_report: int = setting(30, valid=_between(0, 10_000), space=True)
    xp_event: int = setting(50, valid=_between(0, 10_000), space=True)
    announce: Announce = setting(Announce.CHANNEL)
    announce_channel: str | None = setting(None)
    weekly: bool = setting(True)
    role_mode: RoleMode = setting(RoleMode.STACK)
    roles: dict[str, Any] | None = setting(None, valid=_roles)
    """Level (as text) -> the role rewarded at it."""
    quiet_channels: list[Any] | None = setting(None, valid=_channels)
    """Channels whose messages earn no XP (``/levels channel off``)."""
    multipliers: dict[str, Any] | None = setting(None, valid=_multipliers)
    """Channel -> XP multiplier (``/levels set multiplier 2`` in that channel)."""

    @property
    def economy(self) -> Economy:
        return _economy(self.xp_min, self.xp_max, self.cooldown, self.min_length)

    def multiplier(self, channel_id: str) -> float:
        return float((self.multipliers or {}).get(channel_id, 1.0))

    def quiet(self, channel_id: str) -> bool:
        return channel_id in (self.quiet_channels or ())

    def role_table(self) -> dict[int, str]:
        return {int(level): str(role) for level, role in (self.roles or {}).items()}
