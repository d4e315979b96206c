"""When something happens, as managers write it: ``2h``, ``in 2h``, ``2026-12-10 19:00``,
``tomorrow 19:00``, ``fri 18:30``, read in the community's time zone (default UTC), in
English, Italian and Russian (``domani 19:00``, ``ven 18:30``, ``tra 2h``; ``завтра 19:00``,
``пт 18:30``, ``через 2ч``).

Pure: the caller passes ``now`` and the zone, so tests need no clock.

* A date is ``YYYY-MM-DD``, or day first as Italians and Russians write it
  (``10.12.2026``, with its year: ``10.12`` alone is the time 10:12), or slashed
  (``25/12``, ``25/12/2026``); a slashed date that could be read both ways (``10/12``:
  10 December or October 12) is refused as ambiguous. ``at``/``alle``/``в`` before the
  time may be written or not.
* A weekday names its next occurrence (next week's once today's time has passed); a time
  alone is today's, or tomorrow's once it has passed.

Daylight saving, deliberately: :func:`read_when` refuses, with the reason, a wall-clock
time the zone skips that day (02:30 in Rome on the last Sunday of March: the clocks jump
from 02:00 to 03:00) and one it repeats (02:30 on the last Sunday of October happens
twice), rather than guess; and a time in the past. :func:`parse_when`, the older lenient
reader, reads a skipped time a gap later and a repeated one as its first reading
(``fold=0``), as a calendar shows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from townsquare.core.i18n import Translator, _

_UNIT = (
    r"m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?"
    r"|ore|ora|g|gg|giorni|giorno|settimane|settimana"
    r"|м|мин|минут[аы]?|ч|час|часа|часов|д|дн|дня|дней|день|н|нед|недел[ьяи]"
)
_DURATION = re.compile(rf"(\d{{1,4}})\s*({_UNIT})(?![a-zа-яё])")
_UNITS = {
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "м", "мин"), "minutes"),
    **dict.fromkeys(("минут", "минута", "минуты"), "minutes"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "ore", "ora"), "hours"),
    **dict.fromkeys(("ч", "час", "часа", "часов"), "hours"),
    **dict.fromkeys(("d", "day", "days", "g", "gg", "giorni", "giorno"), "days"),
    **dict.fromkeys(("д", "дн", "дня", "дней", "день"), "days"),
    **dict.fromkeys(("w", "week", "weeks", "settimane", "settimana", "н", "нед"), "weeks"),
    **dict.fromkeys(("неделя", "недели", "недель"), "weeks"),
}
_CLOCK = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}))?")
_IN = ("in", "tra", "fra", "через")
_AT = ("at", "alle", "all'", "в", "во")
_RELATIVE_DAYS = {
    **dict.fromkeys(("today", "oggi", "сегодня"), 0),
    **dict.fromkeys(("tomorrow", "domani", "завтра"), 1),
    **dict.fromkeys(("dopodomani", "послезавтра"), 2),
}
_WEEKDAYS: tuple[tuple[str, ...], ...] = (
    ("mon", "monday", "lun", "lunedì", "lunedi", "пн", "понедельник"),
    ("tue", "tues", "tuesday", "mar", "martedì", "martedi", "вт", "вторник"),
    ("wed", "weds", "wednesday", "mer", "mercoledì", "mercoledi", "ср", "среда", "среду"),
    ("thu", "thur", "thurs", "thursday", "gio", "giovedì", "giovedi", "чт", "четверг"),
    ("fri", "friday", "ven", "venerdì", "venerdi", "пт", "пятница", "пятницу"),
    ("sat", "saturday", "sab", "sabato", "сб", "суббота", "субботу"),
    ("sun", "sunday", "dom", "domenica", "вс", "воскресенье"),
)
_DAY_NAMES = {name: index for index, names in enumerate(_WEEKDAYS) for name in names}


def zone(name: str | None) -> tzinfo:
    """The time zone named ``name`` (``Europe/Rome``), UTC for None or an unknown name."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def known_zone(name: str) -> bool:
    """``name`` is a time zone this machine knows (``/settings tz``)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def parse_duration(text: str) -> timedelta | None:
    """``30m``, ``2h``, ``1d``, ``1w`` or a sum of them (``1h30m``; ``2ч``, ``2 ore``
    too); None otherwise."""
    body = text.strip().lower().replace(" ", "")
    if not body:
        return None
    total = timedelta()
    position = 0
    for match in _DURATION.finditer(body):
        if match.start() != position:
            return None
        total += timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        position = match.end()
    if position != len(body) or total <= timedelta():
        return None
    return total


# -- the careful reader ------------------------------------------------------------------


class Reason(StrEnum):
    UNREADABLE = "unreadable"
    AMBIGUOUS_DATE = "ambiguous_date"
    SKIPPED = "skipped"
    REPEATED = "repeated"
    PAST = "past"


_MESSAGES = {
    Reason.UNREADABLE: _(
        "I cannot read {when} as a time; write e.g. 2026-12-10 19:00, tomorrow 19:00, "
        "fri 18:30 or in 2h."
    ),
    Reason.AMBIGUOUS_DATE: _(
        "{when} could be {first} or {second}; write the date as 2026-12-10 to say which."
    ),
    Reason.SKIPPED: _(
        "{clock} does not exist on {day} in {zone}: the clocks jump forward over it. "
        "Choose a time outside that hour."
    ),
    Reason.REPEATED: _(
        "{clock} happens twice on {day} in {zone}: the clocks go back over it. Choose a "
        "time outside that hour, or give it in UTC (--tz UTC)."
    ),
    Reason.PAST: _("{when} is in the past."),
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a text names no usable time; :meth:`text` is the sentence for the manager."""

    reason: Reason
    values: dict[str, str] = field(default_factory=dict)

    def text(self, tr: Translator) -> str:
        return tr(_MESSAGES[self.reason], **self.values)


@dataclass(frozen=True, slots=True)
class When:
    at: datetime
    """The moment, in UTC."""
    local: datetime
    """The same moment on the zone's wall clock, naive (what the manager wrote)."""


def read_when(
    text: str, now: datetime, where: tzinfo = UTC, *, future: bool = True
) -> When | Refusal:
    """The moment ``text`` names, read at ``now`` in ``where``; a :class:`Refusal` with
    the reason when it names none, names it ambiguously (a slashed date both ways, a
    wall-clock time daylight saving repeats), names a time the zone skips, or (with
    ``future``) lies in the past."""
    shown = " ".join(text.split())[:60]
    found = _read(text, now, where)
    if isinstance(found, Refusal):
        if not found.values:
            return Refusal(found.reason, {"when": shown})
        return found
    at, local = found
    if future and at <= now:
        return Refusal(Reason.PAST, {"when": shown})
    return When(at, local)


def parse_when(text: str, now: datetime, where: tzinfo = UTC) -> datetime | None:
    """The moment ``text`` names, as an aware UTC datetime, read at ``now`` in ``where``;
    None when it names none. It may lie in the past (``2020-01-01 10:00``): the caller
    says whether that is allowed. Lenient at daylight-saving changes (see the module)."""
    found = _read(text, now, where, lenient=True)
    return None if isinstance(found, Refusal) else found[0]


def wall_clock(local: datetime, where: tzinfo) -> Reason | None:
    """Whether the naive ``local`` time exists once in ``where``: None if so, else
    :attr:`Reason.SKIPPED` or :attr:`Reason.REPEATED`."""
    first = local.replace(tzinfo=where, fold=0)
    second = local.replace(tzinfo=where, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    back = first.astimezone(UTC).astimezone(where).replace(tzinfo=None)
    return Reason.REPEATED if back == local else Reason.SKIPPED


def _read(
    text: str, now: datetime, where: tzinfo, *, lenient: bool = False
) -> tuple[datetime, datetime] | Refusal:
    words = [word for word in text.strip().lower().split() if word not in _AT]
    unreadable = Refusal(Reason.UNREADABLE)
    if not words:
        return unreadable
    if words[0] in _IN:
        duration = parse_duration("".join(words[1:])) if len(words) > 1 else None
        return _after(now, duration, where) if duration is not None else unreadable
    duration = parse_duration("".join(words))
    if duration is not None:
        return _after(now, duration, where)
    local_now = now.astimezone(where)
    day = _day(words[0], local_now.date())
    if isinstance(day, Refusal):
        return Refusal(day.reason, {**day.values, "when": " ".join(text.split())[:60]})
    rest = words[1:] if day is not None else words
    if len(rest) > 1:
        return unreadable
    clock = _clock(rest[0]) if rest else None
    if (rest and clock is None) or (day is None and clock is None):
        return unreadable
    if day is None:  # a time alone: today's, or tomorrow's once it has passed
        assert clock is not None
        day = local_now.date()
        if _place(day, clock, where)[0] <= now:
            day += timedelta(days=1)
    elif words[0] in _DAY_NAMES and _place(day, clock or time(0, 0), where)[0] <= now:
        day += timedelta(days=7)
    local = datetime.combine(day, clock or time(0, 0))
    problem = None if lenient else wall_clock(local, where)
    if problem is not None:
        return Refusal(
            problem,
            {
                "clock": local.strftime("%H:%M"),
                "day": day.isoformat(),
                "zone": getattr(where, "key", str(where)),
            },
        )
    return _place(day, clock or time(0, 0), where)


def _after(now: datetime, duration: timedelta, where: tzinfo) -> tuple[datetime, datetime]:
    at = now.astimezone(UTC) + duration
    return at, at.astimezone(where).replace(tzinfo=None)


def _place(day: date, clock: time, where: tzinfo) -> tuple[datetime, datetime]:
    """``day`` at ``clock`` on the wall clock of ``where``: in UTC, and as written. A
    time a change skips lands the gap later (normalised through UTC); a repeated one is
    its first reading."""
    local = datetime.combine(day, clock)
    return local.replace(tzinfo=where).astimezone(UTC), local


def _day(word: str, today: date) -> date | Refusal | None:
    relative = _RELATIVE_DAYS.get(word)
    if relative is not None:
        return today + timedelta(days=relative)
    weekday = _DAY_NAMES.get(word)
    if weekday is not None:
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    match = _ISO_DATE.fullmatch(word)
    if match is not None:
        return _date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _DOTTED.fullmatch(word)  # 10.12.2026: day first, with its year (10.12 is 10:12)
    if match is not None:
        return _date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    match = _SLASHED.fullmatch(word)
    if match is None:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    year = int(match.group(3)) if match.group(3) else None
    if first <= 12 and second <= 12 and first != second:
        both = (_date(year or today.year, second, first), _date(year or today.year, first, second))
        if all(isinstance(option, date) for option in both):
            shown = [option.isoformat() for option in both if isinstance(option, date)]
            return Refusal(Reason.AMBIGUOUS_DATE, {"first": shown[0], "second": shown[1]})
    if first <= 12 < second:  # 12/25: only month first reads
        first, second = second, first
    found = _date(year or today.year, second, first)
    if isinstance(found, date) and year is None and found < today:
        found = _date(today.year + 1, second, first)  # 10.01 in December: next January
    return found


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _clock(word: str) -> time | None:
    match = _CLOCK.fullmatch(word)
    if match is None or match.group(2) is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
