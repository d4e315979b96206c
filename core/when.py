"""When something happens, as managers write it: ``2h``, ``in 2h``, ``2026-12-10 19:00``,
``tomorrow 19:00``, ``fri 18:30``, read in the community's time zone (default UTC).

Pure: the caller passes ``now`` and the zone, so tests need no clock. English day names
only for now (``mon``..``sun``, full names too); a date is ``YYYY-MM-DD``. A local time
that a daylight-saving change skips or repeats is read as the zone's first reading of it
(``fold=0``), which is what a calendar does.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DURATION = re.compile(r"(\d{1,4})\s*(m|min|mins|h|hr|hrs|d|w)")
_UNITS = {
    "m": "minutes",
    "min": "minutes",
    "mins": "minutes",
    "h": "hours",
    "hr": "hours",
    "hrs": "hours",
    "d": "days",
    "w": "weeks",
}
_CLOCK = re.compile(r"(\d{1,2})[:.](\d{2})")
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {
    **{name: index for index, name in enumerate(_DAYS)},
    **{
        name: index
        for index, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}


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
    """``30m``, ``2h``, ``1d``, ``1w`` or a sum of them (``1h30m``); None otherwise."""
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


def parse_when(text: str, now: datetime, where: tzinfo = UTC) -> datetime | None:
    """The moment ``text`` names, as an aware UTC datetime, read at ``now`` in ``where``;
    None when it names none. It may lie in the past (``2020-01-01 10:00``): the caller
    says whether that is allowed."""
    words = text.strip().lower().split()
    if not words:
        return None
    if words[0] == "in":
        words = words[1:]
        duration = parse_duration("".join(words)) if words else None
        return now.astimezone(UTC) + duration if duration is not None else None
    duration = parse_duration("".join(words))
    if duration is not None:
        return now.astimezone(UTC) + duration
    local_now = now.astimezone(where)
    day, clock = _day(words[0], local_now.date()), None
    rest = words[1:] if day is not None else words
    if len(rest) > 1:
        return None
    if rest:
        clock = _clock(rest[0])
        if clock is None:
            return None
    if day is None and clock is None:
        return None
    if day is None:  # a time alone: today's, or tomorrow's once it has passed
        assert clock is not None
        moment = _local(local_now.date(), clock, where)
        if moment <= now:
            moment = _local(local_now.date() + timedelta(days=1), clock, where)
        return moment
    return _weekday_or_day(words[0], day, clock or time(0, 0), now, where)


def _weekday_or_day(word: str, day: date, clock: time, now: datetime, where: tzinfo) -> datetime:
    """A weekday names its next occurrence (next week's once today's time has passed)."""
    moment = _local(day, clock, where)
    if word in _DAY_NAMES and moment <= now:
        moment = _local(day + timedelta(days=7), clock, where)
    return moment


def _day(word: str, today: date) -> date | None:
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    weekday = _DAY_NAMES.get(word)
    if weekday is not None:
        return today + timedelta(days=(weekday - today.weekday()) % 7)
    match = _DATE.fullmatch(word)
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _clock(word: str) -> time | None:
    match = _CLOCK.fullmatch(word)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _local(day: date, clock: time, where: tzinfo) -> datetime:
    """``day`` at ``clock`` on the wall clock of ``where``, in UTC. A time a DST change
    skips is moved forward by the gap (normalised through UTC), as a calendar shows it."""
    local = datetime.combine(day, clock, tzinfo=where)
    return local.astimezone(UTC)
