"""The watch words' rules, pure: phrases managers may watch, hours, spikes, excerpts.

*Hours* are UTC clock hours, numbered from the Unix epoch (``hour_of``), so both
databases store and compare them as integers.

*A spike* is an hour in which a phrase is mentioned at least :data:`SPIKE_FACTOR` times
its usual hourly rate, where the usual rate is the mean over the :data:`BASELINE_HOURS`
whole hours before this one (the last 7 days: every mention in them divided by 168, the
quiet hours counted as zero), and at least :data:`SPIKE_MIN` times in the hour: so a
first-ever mention, or two mentions of a phrase nobody used this week, are no spike. A
phrase spikes at most once an hour: the alert is sent when the hour's count first
qualifies.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

from townsquare.core.i18n import _

MAX_PHRASES = 200
"""Watched phrases per community or space."""
MAX_PHRASE_CHARS = 100
MAX_PHRASE_WORDS = 8
SPIKE_FACTOR = 5
SPIKE_MIN = 5
BASELINE_HOURS = 7 * 24
KEEP_HOURS = BASELINE_HOURS + 24
"""Counts and mentions older than this are forgotten (by the digest job)."""
EXCERPT_CHARS = 80
"""At most this much of a message is kept (around the mention), never the whole text."""
DIGEST_LINES = 8
"""Mentions listed one by one in an hour's digest; the rest are counted per phrase. With
their links this keeps a digest under Discord's 2,000 characters, so it stays one
message that can be edited in place."""
AUTHOR_CHARS = 40


def hour_of(at: datetime) -> int:
    """The UTC hour of ``at`` (aware) as hours since the epoch."""
    return int(at.timestamp() // 3600)


def hour_start(hour: int) -> datetime:
    return datetime.fromtimestamp(hour * 3600, UTC)


def hour_end(hour: int) -> datetime:
    return hour_start(hour) + timedelta(hours=1)


def usual_rate(previous: int) -> float:
    """Mentions an hour over the baseline, from the count of its ``previous`` mentions."""
    return previous / BASELINE_HOURS


def is_spike(this_hour: int, previous: int) -> bool:
    """Whether ``this_hour`` mentions are a spike over ``previous`` mentions in the
    :data:`BASELINE_HOURS` before (integers only: ``n ≥ 5 × previous / 168``)."""
    return this_hour >= SPIKE_MIN and this_hour * BASELINE_HOURS >= SPIKE_FACTOR * previous


def phrase_problem(text: str, words: list[str]) -> str | None:
    """Why ``text`` cannot be watched (a translatable sentence), or None."""
    if not words:
        return _("Watch a word or phrase with letters or digits, e.g. /watch add refund.")
    if len(text) > MAX_PHRASE_CHARS:
        return _("A watched phrase has at most 100 characters.")
    if len(words) > MAX_PHRASE_WORDS:
        return _("A watched phrase has at most 8 words.")
    return None


def clean_phrase(text: str) -> str:
    """The phrase as shown back: one line, inner spaces collapsed, one pair of
    surrounding quotes dropped."""
    text = " ".join(text.split())
    for opening, closing in (('"', '"'), ("“", "”"), ("«", "»"), ("„", "“"), ("'", "'")):
        if len(text) >= 2 and text.startswith(opening) and text.endswith(closing):
            return " ".join(text[1:-1].split())
    return text


_MASS = re.compile(r"[@<>]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064]")


def sanitised(text: str) -> str:
    """Member text made safe to quote anywhere: one line, no control or direction
    characters, and no ``@``, ``<`` or ``>``, so it cannot be read as a mention
    (``@everyone``, ``<@123>``, ``<!channel>``) by any platform or client, whatever the
    renderer escapes. (Every adapter escapes plain text as well: this is the second lock.)"""
    text = _CONTROL.sub(" ", text)
    text = _MASS.sub(lambda m: {"@": "＠", "<": "‹", ">": "›"}[m.group()], text)
    return " ".join(text.split())


def excerpt(text: str, offset: int, limit: int = EXCERPT_CHARS) -> str:
    """At most ``limit`` characters of ``text`` around ``offset`` (where the mention
    starts): a quarter before it, the rest after, cut at spaces, with ``…`` where cut."""
    flat = sanitised(text)
    if len(flat) <= limit:
        return flat
    # ``offset`` is in the original text; sanitising only shortens runs of spaces before
    # it, so the mention is at most that much earlier in ``flat``.
    offset = min(offset, len(flat))
    start = max(0, offset - limit // 4)
    if start > 0:
        space = flat.find(" ", start, offset)
        start = space + 1 if space != -1 else start
    end = min(len(flat), start + limit - 2)
    if end < len(flat):
        space = flat.rfind(" ", start + 1, end)
        end = space if space > start else end
    cut = flat[start:end].strip()
    return ("…" if start > 0 else "") + cut + ("…" if end < len(flat) else "")


def short_name(name: str) -> str:
    flat = sanitised(name)
    return flat if len(flat) <= AUTHOR_CHARS else flat[: AUTHOR_CHARS - 1] + "…"


KEY_CHARS = 128
"""Outbox and job keys are at most this long (``sent_messages.key``, ``scheduled_jobs.key``)."""


def _keyed(prefix: str, scope: str, suffix: str = "") -> str:
    key = f"{prefix}:{scope}{suffix}"
    if len(key) <= KEY_CHARS:
        return key
    return f"{prefix}:#{hashlib.sha256(scope.encode()).hexdigest()[:40]}{suffix}"


def digest_key(scope: str, hour: int) -> str:
    """The outbox key of a scope's digest message for one hour (edited under it)."""
    return _keyed("watch", scope, f":{hour}")


def digest_job_key(scope: str) -> str:
    """The key of a scope's digest job: one pending job per scope, however many
    mentions scheduled it."""
    return _keyed("watch.digest", scope)
