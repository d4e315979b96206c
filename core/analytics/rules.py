"""The pure rules of analytics: what a question looks like, scopes, days, digests."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta

from townsquare.core.persons import account_platform
from townsquare.core.refs import MessageRef

MAX_QUESTION = 300
"""Characters a question may have (a longer message with a question mark is a post)."""
FAQ_WORDS = frozenset(
    {"add", "edit", "remove", "list", "dismiss", "auto", "helpful", "nothelpful", "unanswered"}
)
"""``/faq`` subcommands: not questions."""


def is_question(text: str) -> bool:
    """A question asked in the chat: at most :data:`MAX_QUESTION` characters holding a
    question mark (``?``, ``？``, ``¿``), not a command. Only the shape is looked at."""
    stripped = text.strip()
    if not stripped or stripped.startswith("/") or len(stripped) > MAX_QUESTION:
        return False
    return "?" in stripped or "？" in stripped or "¿" in stripped


def account_digest(platform: str, user_id: str) -> str:
    """Who asked, without naming them: 16 hex digits of SHA-256 of the account."""
    return hashlib.sha256(f"{account_platform(platform)}:{user_id}".encode()).hexdigest()[:16]


def message_key(bot: str, message: MessageRef) -> str:
    return f"{bot}:{message.channel.id}:{message.message_id}"[:200]


def community_scope(platform: str, community_id: str) -> str:
    return f"c:{account_platform(platform)}:{community_id}"


def space_scope(name: str) -> str:
    return f"s:{name}"


_EPOCH = date(1970, 1, 1).toordinal()


def day_of(at: datetime) -> int:
    """The UTC day of ``at`` as a date ordinal (``at`` is aware, as every event's time)."""
    return int(at.timestamp() // 86400) + _EPOCH


def next_digest(now: datetime) -> datetime:
    """The next Monday, 08:00 UTC, after ``now``."""
    today = now.astimezone(UTC).date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7)
    due = datetime.combine(monday, time(8), tzinfo=UTC)
    return due if due > now else due + timedelta(days=7)
