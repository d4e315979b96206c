"""Facts of the events feature (published by :mod:`core.events_feature` once it exists;
rewards give XP for an attended event)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from townsquare.core.facts.fact import Fact


@dataclass(frozen=True, slots=True, kw_only=True)
class EventAttended(Fact):
    """``user_id`` was checked in at event ``event_id`` (``/event checkin``)."""

    kind: ClassVar[str] = "events.attended"
    event_id: int
    user_id: str
