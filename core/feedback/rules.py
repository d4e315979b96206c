"""The feedback board's rules (pure): statuses, limits, scopes, button payloads, routing."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import ClassVar

from townsquare.core.buttons import Payload
from townsquare.core.matching.text import terms
from townsquare.core.persons import account_platform

MAX_TEXT = 1000
"""Characters an idea may have (a longer one is refused, not cut)."""
MIN_TEXT = 8
MAX_NOTE = 300
MAX_TEAM = 32
MAX_KEYWORDS = 20
LIST_LIMIT = 15
"""Ideas ``/feedback list`` shows (the most voted first)."""
SIMILAR_SCORE = 0.5
"""The matcher's confidence from which an existing idea is offered before filing."""
SIMILAR_LIMIT = 3


class Status(StrEnum):
    NEW = "new"
    REVIEW = "review"
    PLANNED = "planned"
    PROGRESS = "progress"
    DONE = "done"
    DECLINED = "declined"
    DUPLICATE = "duplicate"


SETTABLE = tuple(s for s in Status if s is not Status.DUPLICATE)
"""What ``/feedback status`` takes; a duplicate is marked with ``/feedback duplicate``."""
CLOSED = frozenset({Status.DONE, Status.DECLINED, Status.DUPLICATE})
"""Statuses in which an idea takes no more votes."""


def parse_status(text: object) -> Status | None:
    value = str(text or "").strip().lower()
    aliases = {"in-progress": "progress", "started": "progress", "open": "new"}
    value = aliases.get(value, value)
    try:
        return Status(value)
    except ValueError:
        return None


# -- where an idea lives ------------------------------------------------------------------


def scope_of(space: str | None, platform: str, community_id: str) -> str:
    """The board an idea belongs to: the space's, or the community's outside one."""
    if space is not None:
        return f"space:{space}"
    return f"community:{account_platform(platform)}:{community_id}"


def person_key(person_id: int) -> str:
    return f"p{person_id}"


def account_key(platform: str, user_id: str) -> str:
    return f"a:{account_platform(platform)}:{user_id}"


# -- buttons --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoteButton(Payload):
    """Vote for idea ``idea_id``: ``fb:v:<id>``."""

    prefix: ClassVar[str] = "fb:v"
    idea_id: int


@dataclass(frozen=True, slots=True)
class FileButton(Payload):
    """File draft ``draft_id`` after all (the similar ideas were not it): ``fb:f:<id>``."""

    prefix: ClassVar[str] = "fb:f"
    draft_id: int


@dataclass(frozen=True, slots=True)
class OfferVote(Payload):
    """Vote for idea ``idea_id`` from the private offer of draft ``draft_id`` (similar
    ideas shown before filing): ``fb:o:<draft>:<idea>``."""

    prefix: ClassVar[str] = "fb:o"
    draft_id: int
    idea_id: int


@dataclass(frozen=True, slots=True)
class StatusButton(Payload):
    """On a team inbox message: move idea ``idea_id`` to ``status``: ``fb:s:<id>:<st>``."""

    prefix: ClassVar[str] = "fb:s"
    idea_id: int
    status: Status


# -- routing by keywords --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TeamKeywords:
    name: str
    keywords: tuple[str, ...]


def routed_team(text: str, teams: Sequence[TeamKeywords], language: str = "en") -> str | None:
    """The first team (in the order given) one of whose keywords the idea mentions: a
    keyword matches when all of its normalised terms are among the idea's (so ``dark
    mode`` matches "dark modes" and ``пароль`` matches "пароли"), in any language."""
    found = set(terms(text, language))
    if not found:
        return None
    for team in teams:
        for keyword in team.keywords:
            wanted = set(terms(keyword, language))
            if wanted and wanted <= found:
                return team.name
    return None


def clean_keywords(words: Iterable[str]) -> tuple[str, ...]:
    """Comma- or space-separated keywords as typed, each trimmed, without repeats."""
    joined = " ".join(words)
    parts = [p.strip() for p in joined.split(",")] if "," in joined else joined.split()
    return tuple(dict.fromkeys(p[:64] for p in parts if p))[:MAX_KEYWORDS]


def valid_team(name: str) -> bool:
    return 0 < len(name) <= MAX_TEAM and all(c.isalnum() or c in "-_" for c in name)


# -- "you asked, we shipped" ------------------------------------------------------------------


def month_start(at: datetime) -> datetime:
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def next_month(at: datetime) -> datetime:
    """The first instant of the month after ``at``'s (UTC)."""
    if at.month == 12:
        return datetime(at.year + 1, 1, 1, tzinfo=UTC)
    return datetime(at.year, at.month + 1, 1, tzinfo=UTC)


def previous_month(at: datetime) -> datetime:
    """The first instant of the month before ``at``'s (UTC)."""
    start = month_start(at)
    if start.month == 1:
        return datetime(start.year - 1, 12, 1, tzinfo=UTC)
    return datetime(start.year, start.month - 1, 1, tzinfo=UTC)


# -- a team inbox in a chat of any community ------------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_TTL = timedelta(minutes=10)
"""``/feedback team <name> link`` gives a one-time code (31⁸ ≈ 8.5·10¹¹ of them, from
:mod:`secrets`, stored as its SHA-256 only); ``/feedback team <name> here CODE`` by a
manager of any chat, on any platform, within this time makes that chat the inbox."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _index in range(CODE_LENGTH))


def read_code(typed: str) -> str | None:
    """The code as stored (case, spaces and dashes do not matter); None if it cannot be one."""
    value = typed.translate(str.maketrans("", "", " -_.")).upper()
    if len(value) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in value):
        return None
    return value


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def shown_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"
