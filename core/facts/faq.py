"""Facts of the FAQ feature (published by :mod:`core.faq`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from townsquare.core.facts.fact import Fact


@dataclass(frozen=True, slots=True, kw_only=True)
class FaqAnswered(Fact):
    """Entry ``entry_id`` was shown to ``user_id``: asked for with ``/faq`` or a button,
    or (``automatic``) posted as the answer to a question in the chat."""

    kind: ClassVar[str] = "faq.answered"
    entry_id: int
    user_id: str
    automatic: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class FaqRated(Fact):
    """``user_id`` said entry ``entry_id`` was ``helpful`` or not (published only when
    their rating changed). ``author_id`` is who added the entry, on ``author_platform``
    (in a space the FAQ is shared, so the author may be on another platform than the
    rater); None for entries added before authors were recorded."""

    kind: ClassVar[str] = "faq.rated"
    entry_id: int
    user_id: str
    helpful: bool
    author_id: str | None = None
    author_platform: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FaqUnanswered(Fact):
    """``user_id`` asked something the FAQ has no answer to; ``question`` is its
    normalised form (the key ``/faq unanswered`` counts it under)."""

    kind: ClassVar[str] = "faq.unanswered"
    user_id: str
    question: str
