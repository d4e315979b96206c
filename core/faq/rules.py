"""Limits, thresholds and the compact button payloads of the FAQ feature (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, ClassVar

from townsquare.core.buttons import MaxLen, Payload
from townsquare.core.i18n import _

MAX_QUESTION = 300
MAX_ANSWER = 3000

FOUND = 0.3
"""Confidence a ``/faq`` search needs to show an entry at all."""
CLOSE = 0.15
"""Entries within this of the best are shown together (up to three) when the best is not
clearly ahead."""
CLEAR = 0.75
"""A best match at or above this is shown alone unless another is just as good."""
AUTO = 0.6
"""Confidence an ordinary message needs to be answered without being asked."""
AUTO_MARGIN = 0.1
"""...and its lead over the runner-up: an ambiguous question gets no automatic answer."""
COOLDOWN = timedelta(minutes=15)
"""The same entry is not auto-answered twice in one channel within this time."""
PAGE = 20


class Choice(StrEnum):
    HELPFUL = "y"
    NOT_HELPFUL = "n"
    SHOW = "s"
    """A "did you mean" choice: show the entry rather than vote on it."""


@dataclass(frozen=True, slots=True)
class FaqButton(Payload):
    """``faq:<id>:y|n|s`` — well under Telegram's 64-byte ``callback_data``."""

    prefix: ClassVar[str] = "faq"
    entry_id: Annotated[int, MaxLen(18)]
    choice: Choice


def validate_entry(question: str, answer: str) -> tuple[str, dict[str, int]] | None:
    """A problem as ``(template, values)`` for the translator, or None if acceptable."""
    if not question.strip():
        return _("The question is empty."), {}
    if not answer.strip():
        return _("The answer is empty."), {}
    if len(question) > MAX_QUESTION:
        return _("The question is too long: at most {n} characters."), {"n": MAX_QUESTION}
    if len(answer) > MAX_ANSWER:
        return _("The answer is too long: at most {n} characters."), {"n": MAX_ANSWER}
    return None


def parse_id(text: str | None) -> int | None:
    """``17`` or ``#17``."""
    if text is None:
        return None
    value = text.strip().lstrip("#")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 18 else None


def choices(found: list[tuple[int, float]]) -> list[int]:
    """Which of the ranked ``(id, confidence)`` matches to show: the best alone when it is
    clearly ahead, else up to three close ones; none below :data:`FOUND`."""
    shown = [(entry, score) for entry, score in found if score >= FOUND]
    if not shown:
        return []
    best = shown[0][1]
    close = [entry for entry, score in shown[:3] if best - score <= CLOSE]
    if len(close) == 1 or (best >= CLEAR and best - shown[1][1] > CLOSE / 3):
        return [shown[0][0]]
    return close


def auto_answer(found: list[tuple[int, float]]) -> int | None:
    """The entry to answer an ordinary question with, if the match is sure and unambiguous."""
    if not found or found[0][1] < AUTO:
        return None
    if len(found) > 1 and found[0][1] - found[1][1] < AUTO_MARGIN:
        return None
    return found[0][0]
