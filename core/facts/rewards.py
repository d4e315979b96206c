"""Facts of the rewards feature (published by :mod:`core.rewards`; giveaways, analytics
and the dashboard consume them).

Rewards keep one wallet per person in a *scope*: the space's name when the community is
in a space (``[[spaces]]``), else ``None`` for the community itself. ``person_id`` is the
person (:mod:`core.persons`) the wallet belongs to; ``user_id`` is the account on
``platform`` whose activity caused the change, for a reply or a direct message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from townsquare.core.facts.fact import Fact


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelChanged(Fact):
    """A member's level moved from ``previous`` to ``level``; subscribe to this to get
    both directions (a subscriber of a base class gets its subclasses' facts)."""

    scope: str | None
    person_id: int
    user_id: str
    level: int
    previous: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberLevelledUp(LevelChanged):
    """XP carried a member past one or more level thresholds (``level > previous``)."""

    kind: ClassVar[str] = "rewards.levelled_up"


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberLevelledDown(LevelChanged):
    """A manager took XP away or reset it and the level fell (``level < previous``)."""

    kind: ClassVar[str] = "rewards.levelled_down"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReputationGiven(Fact):
    """``from_user_id`` thanked ``user_id`` (``/thanks`` or a thank-you reply), once per
    receiver; ``reputation`` is the receiver's reputation now."""

    kind: ClassVar[str] = "rewards.reputation_given"
    scope: str | None
    person_id: int
    user_id: str
    from_user_id: str
    reputation: int
