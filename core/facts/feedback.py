"""Facts of the feedback feature (published by :mod:`core.feedback`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from townsquare.core.facts.fact import Fact


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackFiled(Fact):
    """``user_id`` filed idea ``idea_id`` (in ``scope``: ``space:<name>`` or
    ``community:<platform>:<id>``)."""

    kind: ClassVar[str] = "feedback.filed"
    idea_id: int
    scope: str
    user_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackVoted(Fact):
    """``user_id`` voted for idea ``idea_id`` (once per person across a space);
    ``votes`` is the count after it."""

    kind: ClassVar[str] = "feedback.voted"
    idea_id: int
    user_id: str
    votes: int


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackStatusChanged(Fact):
    """Idea ``idea_id`` moved from ``old`` to ``new`` (a status name: new, review,
    planned, progress, done, declined, duplicate); ``duplicate_of`` for a duplicate.
    ``by`` is who changed it (``platform:user_id``, or ``github`` for an issue closed)."""

    kind: ClassVar[str] = "feedback.status_changed"
    idea_id: int
    old: str
    new: str
    note: str | None = None
    duplicate_of: int | None = None
    by: str
    votes: int
