"""Facts of the polls feature (published by :mod:`core.polls`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from townsquare.core.facts.fact import Fact


@dataclass(frozen=True, slots=True, kw_only=True)
class VoteCast(Fact):
    """``user_id`` changed their vote in poll ``poll_id``: ``options`` are the (0-based)
    options they hold now, empty when they withdrew it. A press that changed nothing
    publishes nothing."""

    kind: ClassVar[str] = "polls.vote_cast"
    poll_id: int
    user_id: str
    options: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PollClosed(Fact):
    """Poll ``poll_id`` closed (by a manager or its deadline) with these ``counts`` per
    option and this many ``voters``."""

    kind: ClassVar[str] = "polls.poll_closed"
    poll_id: int
    counts: tuple[int, ...]
    voters: int
    closed_by: str | None = None
    """The manager who closed it; None when its deadline did."""
