"""The XP rules, as pure functions (property-tested): level curves, what a message earns,
why one earns nothing, role rewards per level, and the calendar of the leaderboards.

A message earns XP at most once per cooldown, a random amount in ``[xp_min, xp_max]``
times its channel's multiplier (MEE6: 15-25 once a minute). What never earns anything, and
leaves no trace: a direct message, a command, a bot. What earns nothing and says why in
``/rank`` (:class:`Miss`): a message in the cooldown (derived from the wallet, never
stored), one in a no-XP channel, one too short (fewer than ``min_length`` letters or
digits, or fewer than three different ones: "aaaaaaa", "lol lol"), one whose text is that
of the member's own last message that earned (repeated), and one whose text is another
member's last message that earned, or the message it replies to (copied). Texts are
compared as :func:`normalise` leaves them, so case, accents, punctuation, links and
mentions make no difference.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import assert_never

MAX_MULTIPLIER = 10.0
MAX_XP_PER_MESSAGE = 1000
"""The largest ``xp_max`` a community may set."""


class Curve(StrEnum):
    """How much XP each level takes. ``mee6``: 5·l² + 50·l + 100 to go from level l to
    l+1 (MEE6's, so a community moving from it keeps its levels); ``linear``: ``level_xp``
    · (l+1), each level a step longer than the last; ``flat``: ``level_xp`` each."""

    MEE6 = "mee6"
    LINEAR = "linear"
    FLAT = "flat"


class Miss(StrEnum):
    """Why a message earned no XP (shown in ``/rank``)."""

    COOLDOWN = "cooldown"
    CHANNEL = "channel"
    TOO_SHORT = "too_short"
    REPEATED = "repeated"
    COPIED = "copied"


def step(curve: Curve, level: int, level_xp: int = 100) -> int:
    """XP it takes to go from ``level`` to ``level + 1``."""
    match curve:
        case Curve.MEE6:
            return 5 * level * level + 50 * level + 100
        case Curve.LINEAR:
            return level_xp * (level + 1)
        case Curve.FLAT:
            return level_xp
        case _:
            assert_never(curve)


def floor(curve: Curve, level: int, level_xp: int = 100) -> int:
    """Total XP at which ``level`` begins (the sum of the steps below it)."""
    if level <= 0:
        return 0
    n = level
    match curve:
        case Curve.MEE6:  # sum over k < n of 5k² + 50k + 100
            return 5 * (n - 1) * n * (2 * n - 1) // 6 + 25 * (n - 1) * n + 100 * n
        case Curve.LINEAR:
            return level_xp * n * (n + 1) // 2
        case Curve.FLAT:
            return level_xp * n
        case _:
            assert_never(curve)


def level_of(curve: Curve, xp: int, level_xp: int = 100, near: int | None = None) -> int:
    """The level ``xp`` total XP is at (0 for none or negative). ``near``: a level to try
    first (a wallet's before it changed: one message's XP seldom crosses a level)."""
    if (
        near is not None
        and near >= 0
        and xp >= 0
        and floor(curve, near, level_xp) <= xp < floor(curve, near + 1, level_xp)
    ):
        return near
    if xp <= 0:
        return 0
    low, high = 0, 1
    while floor(curve, high, level_xp) <= xp:
        low, high = high, high * 2
    while high - low > 1:  # floor(low) <= xp < floor(high)
        middle = (low + high) // 2
        if floor(curve, middle, level_xp) <= xp:
            low = middle
        else:
            high = middle
    return low


@dataclass(frozen=True, slots=True)
class Progress:
    level: int
    xp: int
    floor: int
    """Total XP at which the level began."""
    next_at: int
    """Total XP at which the next level begins."""


def progress(curve: Curve, xp: int, level_xp: int = 100) -> Progress:
    level = level_of(curve, xp, level_xp)
    return Progress(
        level, max(xp, 0), floor(curve, level, level_xp), floor(curve, level + 1, level_xp)
    )


# -- what a message earns ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Economy:
    """A scope's XP rules (part of the settings)."""

    xp_min: int = 15
    xp_max: int = 25
    cooldown: timedelta = timedelta(seconds=60)
    min_length: int = 5


_WORDS = re.compile(r"[^\W_]+")
_NOISE = re.compile(r"https?://\S+|<[@#!][^>]*>|[@#]\w+")
_MARKS = re.compile(r"[\u0300-\u036f]")
"""The combining marks Latin and Cyrillic letters decompose into (é, ñ, ё, й)."""


def normalise(text: str) -> str:
    """The text as compared for repeats and copies: links and mentions dropped, case and
    accents folded, letters and digits only, words separated by single spaces. (Every
    ordinary message passes here once, so plain ASCII takes the short way.)"""
    if "/" in text or "@" in text or "<" in text or "#" in text:  # most texts have none
        text = _NOISE.sub(" ", text)
    if text.isascii():
        folded = text.lower()
    else:
        folded = _MARKS.sub("", unicodedata.normalize("NFKD", text.casefold()))
    return " ".join(_WORDS.findall(folded))


def digest(normalised: str) -> str:
    """A short, stable fingerprint of a normalised text (16 hex characters)."""
    return hashlib.blake2b(normalised.encode("utf-8"), digest_size=8).hexdigest()


def too_short(normalised: str, min_length: int) -> bool:
    """Fewer than ``min_length`` letters or digits, or fewer than three different ones."""
    letters = normalised.replace(" ", "")
    if len(letters) < min_length:
        return True
    wanted = min(3, min_length)
    # Most texts show three different letters at once: the whole set only when not.
    return wanted > 0 and len(set(letters[:12])) < wanted and len(set(letters)) < wanted


@dataclass(frozen=True, slots=True)
class Message:
    """What the rules need of one ordinary message."""

    text: str
    at: datetime
    channel_id: str
    quoted: str | None = None
    """The text of the message it replies to, if known."""


@dataclass(frozen=True, slots=True)
class Earned:
    xp: int
    next_at: datetime
    """When the cooldown this grant starts ends."""
    digest: str


@dataclass(frozen=True, slots=True)
class Missed:
    reason: Miss


Verdict = Earned | Missed


def gate(at: datetime, *, next_at: datetime | None, quiet: bool, multiplier: float) -> Miss | None:
    """The verdicts that need no look at the text: a no-XP channel, the cooldown."""
    if quiet or multiplier <= 0:
        return Miss.CHANNEL
    if next_at is not None and at < next_at:
        return Miss.COOLDOWN
    return None


def judge(
    message: Message,
    economy: Economy,
    *,
    next_at: datetime | None,
    multiplier: float,
    quiet: bool,
    seen_by: bool | None,
    roll: random.Random,
    normalised: str | None = None,
    digested: str | None = None,
) -> Verdict:
    """What ``message`` earns. ``next_at``: when the member's cooldown ends (None: never
    earned); ``quiet``: the channel gives no XP; ``seen_by``: whether its text earned XP
    in the scope lately, True if by this member, False if by another, None if not;
    ``normalised``: :func:`normalise` of its text, and ``digested`` its :func:`digest`
    (given only for a text not :func:`too_short`), if already worked out."""
    closed = gate(message.at, next_at=next_at, quiet=quiet, multiplier=multiplier)
    if closed is not None:
        return Missed(closed)
    if normalised is None:
        normalised = normalise(message.text)
    if digested is None and too_short(normalised, economy.min_length):
        return Missed(Miss.TOO_SHORT)
    if seen_by is not None:
        return Missed(Miss.REPEATED if seen_by else Miss.COPIED)
    if message.quoted is not None and normalise(message.quoted) == normalised:
        return Missed(Miss.COPIED)
    low, high = economy.xp_min, economy.xp_max
    if high < low:
        low, high = high, low
    amount = roll.randint(low, high)
    if multiplier != 1:
        amount = round(amount * min(multiplier, MAX_MULTIPLIER))
    return Earned(amount, message.at + economy.cooldown, digested or digest(normalised))


def cap(economy: Economy, multiplier: float) -> int:
    """The most one message (so one cooldown) can earn in a channel."""
    return round(max(economy.xp_min, economy.xp_max) * min(multiplier, MAX_MULTIPLIER))


def is_command(text: str) -> bool:
    """Text a bot would read as a command (``/rank``, ``!rank``): never earns XP."""
    stripped = text.lstrip()
    return stripped[:1] in ("/", "!") and len(stripped) > 1 and not stripped[1].isspace()


# -- roles per level --------------------------------------------------------------------------


class RoleMode(StrEnum):
    """``stack``: a member keeps every role of the levels they reached; ``replace``: only
    the role of the highest one."""

    STACK = "stack"
    REPLACE = "replace"


def roles_at(level: int, roles: dict[int, str], mode: RoleMode) -> frozenset[str]:
    """The role rewards a member at ``level`` holds."""
    reached = sorted(threshold for threshold in roles if threshold <= level)
    if not reached:
        return frozenset()
    match mode:
        case RoleMode.STACK:
            return frozenset(roles[threshold] for threshold in reached)
        case RoleMode.REPLACE:
            return frozenset({roles[reached[-1]]})
        case _:
            assert_never(mode)


def role_changes(
    before: int | None, after: int, roles: dict[int, str], mode: RoleMode
) -> tuple[frozenset[str], frozenset[str]]:
    """``(give, take)`` to move a member's role rewards from level ``before`` to ``after``.
    ``before`` None: not known (a new member, or the table or mode changed since): they may
    hold any role of a level up to ``after``, so those they should not hold are taken and
    all they should hold given (giving one they have, or taking one they lack, changes
    nothing)."""
    wanted = roles_at(after, roles, mode)
    if before is None:
        return wanted, roles_at(after, roles, RoleMode.STACK) - wanted
    held = roles_at(before, roles, mode)
    return wanted - held, held - wanted


# -- periods ------------------------------------------------------------------------------------


class Period(StrEnum):
    """A leaderboard's period: the calendar week (from Monday, UTC), the calendar month,
    all time; ``last_week`` is the week before the current one (the weekly post's)."""

    WEEK = "week"
    MONTH = "month"
    ALL = "all"
    LAST_WEEK = "last_week"


def week_number(at: datetime) -> int:
    """The ISO week of ``at`` as one number (``202649``), the same all week long."""
    year, week, _day = at.isocalendar()
    return year * 100 + week


def month_number(at: datetime) -> int:
    return at.year * 100 + at.month


@dataclass(frozen=True, slots=True)
class Periods:
    """A wallet's XP in the current week and month, and in the week before (counters,
    so a leaderboard of a period reads one row per member, and a message writes none
    but its wallet)."""

    week: int = 0
    week_xp: int = 0
    last_week_xp: int = 0
    """XP of the week before ``week`` (0 unless ``week`` is the week after it)."""
    month: int = 0
    month_xp: int = 0

    def at(self, when: datetime) -> Periods:
        """The counters as they read at ``when`` (a new week or month starts at zero)."""
        week, month = week_number(when), month_number(when)
        if week == self.week and month == self.month:
            return self
        if week == self.week:
            week_xp, last = self.week_xp, self.last_week_xp
        else:
            week_xp = 0
            last = self.week_xp if self.week == week_number(when - timedelta(days=7)) else 0
        month_xp = self.month_xp if month == self.month else 0
        return Periods(week, week_xp, last, month, month_xp)

    def add(self, delta: int, when: datetime) -> Periods:
        """``delta`` XP (negative takes, never below zero) counted at ``when``."""
        same_month = when.year * 100 + when.month == self.month
        if same_month and when.isocalendar()[:2] == divmod(self.week, 100):
            return Periods(  # the common case, worked out without the calendar
                self.week,
                max(0, self.week_xp + delta),
                self.last_week_xp,
                self.month,
                max(0, self.month_xp + delta),
            )
        now = self.at(when)
        return Periods(
            now.week,
            max(0, now.week_xp + delta),
            now.last_week_xp,
            now.month,
            max(0, now.month_xp + delta),
        )

    def joined(self, other: Periods, when: datetime) -> Periods:
        """Two wallets' counters added up (linked persons), as they read at ``when``."""
        mine, theirs = self.at(when), other.at(when)
        return Periods(
            mine.week,
            mine.week_xp + theirs.week_xp,
            mine.last_week_xp + theirs.last_week_xp,
            mine.month,
            mine.month_xp + theirs.month_xp,
        )


def next_weekly(now: datetime, weekday: int = 0, hour: int = 10) -> datetime:
    """The next weekly post time after ``now`` (Monday 10:00 UTC by default)."""
    base = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    days = (weekday - base.weekday()) % 7
    due = base + timedelta(days=days)
    return due if due > now else due + timedelta(days=7)


_DURATION = re.compile(r"(\d{1,7})\s*([smhd]?)")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_seconds(text: str) -> int | None:
    """``90``, ``90s``, ``2m``, ``12h``, ``1d`` as seconds; None if it is not one."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None:
        return None
    return int(match.group(1)) * _SECONDS[match.group(2)]


def shown_seconds(seconds: int) -> str:
    """Seconds as the shortest exact ``90s`` / ``2m`` / ``12h`` / ``1d``."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
