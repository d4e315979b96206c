"""Join-rate detection: when to combine greetings and when a raid starts and ends.

Kept in memory per process (a restart forgets the recent joins, which costs at most a few
individual greetings more); the greetings waiting for a combined message are in the
database, so none is lost. The bound that matters: with the defaults, at most
``quiet_joins`` individual greetings per ``window``, then one combined greeting per batch
window (5 s), so 40 joins in a burst give at most a handful of messages.

Raid mode starts when joins within ``window`` exceed ``raid_joins`` (managers are alerted
once) and ends by itself when the rate is back to at most ``quiet_joins``; the gap between
the two thresholds keeps a rate hovering around the limit from alerting again and again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

IDLE_SWEEP = 256
"""Tracked communities beyond which idle ones are dropped."""

Key = tuple[str, str]
"""``(platform, community_id)``"""


@dataclass(frozen=True, slots=True)
class Observation:
    recent: int
    """Joins within the window, this one included."""
    combine: bool
    """Too many joins for individual greetings: this one waits for a combined message."""
    raid_started: bool
    """This join turned raid mode on (alert the managers now, once)."""
    raiding: bool


@dataclass
class JoinRate:
    """Recent joins per community, each member's counted once: a batch retried after a
    failure (or a join reported twice) observes the same join again, and must neither
    count it twice nor lose the raid alert the first attempt raised (its actions were
    rolled back with it): the member whose join started a raid starts it again."""

    window: timedelta = timedelta(seconds=30)
    quiet_joins: int = 5
    raid_joins: int = 10
    _joins: dict[Key, dict[str, datetime]] = field(default_factory=dict, repr=False)
    """Per community, member -> when they joined, oldest first."""
    _raiding: dict[Key, str] = field(default_factory=dict, repr=False)
    """Communities in raid mode -> the member whose join started it."""

    def __post_init__(self) -> None:
        if not 0 < self.quiet_joins <= self.raid_joins:
            raise ValueError("need 0 < quiet_joins <= raid_joins")

    def _prune(self, key: Key, now: datetime) -> dict[str, datetime]:
        joins = self._joins.setdefault(key, {})
        while joins:
            oldest = next(iter(joins))
            if joins[oldest] > now - self.window:
                break
            del joins[oldest]
        return joins

    def observe(self, key: Key, now: datetime, member: str | None = None) -> Observation:
        """This join (``member``'s, if known: then observed once however often it is
        seen) and what it means."""
        joins = self._prune(key, now)
        if member is None or member not in joins:
            joins[member if member is not None else f"anonymous:{len(joins)}:{now}"] = now
        recent = len(joins)
        started = False
        if recent > self.raid_joins and key not in self._raiding:
            self._raiding[key] = member or ""
            started = True
        elif recent <= self.quiet_joins:
            self._raiding.pop(key, None)
        elif member is not None and self._raiding.get(key) == member:
            started = True  # the same join again: its alert was rolled back with it
        if len(self._joins) > IDLE_SWEEP:
            self.forget_idle(now)
        return Observation(recent, recent > self.quiet_joins, started, key in self._raiding)

    def raiding(self, key: Key, now: datetime) -> bool:
        """Whether raid mode is on (it ends once the window has calmed down)."""
        joins = self._prune(key, now)
        if len(joins) <= self.quiet_joins:
            self._raiding.pop(key, None)
        if not joins:
            del self._joins[key]
        return key in self._raiding

    def forget_idle(self, now: datetime) -> None:
        """Drop communities without recent joins, so memory follows activity only."""
        for key in list(self._joins):
            self.raiding(key, now)
