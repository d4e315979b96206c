"""The voting rules, as pure functions (property-tested).

Single choice: pressing another option moves your vote; pressing your current option again
changes nothing (a double tap never silently removes a vote); "retract" withdraws it.
Multi choice: each press toggles that option.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, ClassVar

from townsquare.core.buttons import Alias, MaxLen, Payload

MIN_OPTIONS, MAX_OPTIONS = 2, 10
"""Discord allows ten buttons a poll can use comfortably; Telegram polls allow twelve."""
MAX_QUESTION, MAX_OPTION = 300, 100
"""Telegram's question limit; 100 keeps an option readable on a button."""
RETRACT = -1


class Outcome(StrEnum):
    RECORDED = "recorded"
    MOVED = "moved"
    UNCHANGED = "unchanged"
    ADDED = "added"
    REMOVED = "removed"
    RETRACTED = "retracted"
    NOTHING_TO_RETRACT = "nothing_to_retract"


@dataclass(frozen=True, slots=True)
class Press:
    votes: frozenset[int]
    outcome: Outcome


def press(current: frozenset[int], option: int, *, multi: bool) -> Press:
    """The member's votes after pressing ``option`` (or :data:`RETRACT`)."""
    if option == RETRACT:
        if not current:
            return Press(current, Outcome.NOTHING_TO_RETRACT)
        return Press(frozenset(), Outcome.RETRACTED)
    if multi:
        if option in current:
            return Press(current - {option}, Outcome.REMOVED)
        return Press(current | {option}, Outcome.ADDED)
    if current == {option}:
        return Press(current, Outcome.UNCHANGED)
    return Press(frozenset({option}), Outcome.MOVED if current else Outcome.RECORDED)


_DURATION = re.compile(r"^(\d{1,4})([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
MAX_DURATION = timedelta(days=90)


def parse_duration(text: str) -> timedelta | None:
    """``30m``, ``2h`` or ``1d`` (up to 90 days); None when the text is not one."""
    match = _DURATION.match(text.strip().lower())
    if match is None:
        return None
    duration = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if not timedelta(minutes=1) <= duration <= MAX_DURATION:
        return None
    return duration


def bar(count: int, total: int, width: int = 10) -> str:
    filled = round(width * count / total) if total else 0
    return "▓" * filled + "░" * (width - filled)


@dataclass(frozen=True, slots=True)
class VoteButton(Payload):
    """A poll's option button: ``poll:<id>:<option>``, or ``poll:<id>:r`` to retract
    (well under Telegram's 64 bytes, never user text)."""

    prefix: ClassVar[str] = "poll"
    poll_id: int
    option: Annotated[int, MaxLen(2), Alias({RETRACT: "r"})]
