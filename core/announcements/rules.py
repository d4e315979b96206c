"""The rules of announcements, pure: how often one repeats, and when it next falls.

A recurring announcement keeps the wall-clock time of its first post in the community's
time zone: "every day at 09:00 in Rome" stays 09:00 in Rome across daylight-saving
changes (07:00 UTC in summer, 08:00 in winter). The occurrences are an RFC 5545 rule
(python-dateutil's ``rrule``) over local wall times, each turned into UTC the way
:mod:`core.when` reads a typed time: a time a spring change skips is posted when the
clock reaches it (02:30 on the night that jumps from 02:00 to 03:00 is posted at 03:30),
a time an autumn change repeats is posted at its first reading, once.

A monthly announcement started on the 29th, 30th or 31st falls on that day, or on the
month's last day where the month is shorter (the 31st of January, the 28th of February,
the 31st of March), rather than skipping those months as RFC 5545 alone would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule


class Every(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


_EVERY = {
    "daily": Every.DAILY,
    "day": Every.DAILY,
    "weekly": Every.WEEKLY,
    "week": Every.WEEKLY,
    "monthly": Every.MONTHLY,
    "month": Every.MONTHLY,
}

MAX_TEXT = 1900
"""Characters of an announcement: one message on every platform (Discord's 2,000 with
room for its escaping), so it is pinned and published whole."""
LONGEST_WAIT = timedelta(days=366)
"""The latest ``--at`` may name: a year ahead."""


def parse_every(text: str) -> Every | None:
    """``daily``, ``weekly`` or ``monthly`` (``day``, ``week``, ``month`` too)."""
    return _EVERY.get(text.strip().lower())


def occurrences(first: datetime, every: Every, where: tzinfo) -> rrule:
    """The local wall times of every occurrence of an announcement first posted at
    ``first`` (UTC) in the zone ``where``, as naive datetimes."""
    start = first.astimezone(where).replace(tzinfo=None, second=0, microsecond=0)
    if every is Every.MONTHLY and start.day > 28:
        # The day, or the month's last day when the month has no such day.
        return rrule(
            MONTHLY, dtstart=start, bymonthday=tuple(range(28, start.day + 1)), bysetpos=-1
        )
    if every is Every.DAILY:
        return rrule(DAILY, dtstart=start)
    return rrule(WEEKLY if every is Every.WEEKLY else MONTHLY, dtstart=start)


def next_occurrence(first: datetime, every: Every, where: tzinfo, after: datetime) -> datetime:
    """The first occurrence strictly after ``after`` (UTC), in UTC.

    Occurrences missed while the bot was down are not caught up: the one after ``after``
    is the next, so a restart posts a recurring announcement at most once."""
    rule = occurrences(first, every, where)
    local = after.astimezone(where).replace(tzinfo=None)
    candidate = rule.after(local - timedelta(hours=3))  # before any DST shift of ``after``
    while candidate is not None:
        moment = as_utc(candidate, where)
        if moment > after:
            return moment
        candidate = rule.after(candidate)
    raise ValueError("an unbounded rule always has a next occurrence")


def as_utc(local: datetime, where: tzinfo) -> datetime:
    """A naive wall time of ``where`` in UTC: a skipped time moves forward by the gap, a
    repeated one is its first reading (``fold=0``)."""
    return local.replace(tzinfo=where, fold=0).astimezone(UTC)
