"""Facts of the events feature (published by :mod:`core.calendar`, feature name
``events``; rewards give XP for an attended event)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from townsquare.core.facts.fact import Fact


@dataclass(frozen=True, slots=True, kw_only=True)
class EventAttended(Fact):
    """``user_id`` was checked in at event ``event_id`` (the button ``/event checkin``
    posts, or ``/event checkin <id> <code>``): once per person and event."""

    kind: ClassVar[str] = "events.attended"
    event_id: int
    user_id: str
