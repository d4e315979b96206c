"""Facts of the giveaways feature (published by :mod:`core.giveaways`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from townsquare.core.facts.fact import Fact


@dataclass(frozen=True, slots=True, kw_only=True)
class GiveawayEntered(Fact):
    """``user_id`` entered giveaway ``giveaway_id`` (once per person: a second press, on
    any platform of a space, publishes nothing); ``entries`` is the count after it."""

    kind: ClassVar[str] = "giveaways.entered"
    giveaway_id: int
    user_id: str
    entries: int


@dataclass(frozen=True, slots=True, kw_only=True)
class GiveawayDrawn(Fact):
    """Round ``round`` of giveaway ``giveaway_id`` was drawn (1 at the deadline or
    ``/giveaway end``, then one per reroll): ``winners`` are the winning accounts' user
    ids (each on its own platform, in ``winner_platforms``), in the order drawn."""

    kind: ClassVar[str] = "giveaways.drawn"
    giveaway_id: int
    round: int
    prize: str
    winners: tuple[str, ...]
    winner_platforms: tuple[str, ...]
    entries: int
    drawn_by: str | None = None
    """The manager who ended or rerolled it; None when the deadline drew it."""
