"""Recurring events: the next occurrence of a series, by RFC 5545 rules (python-dateutil).

A series repeats at its first occurrence's *wall-clock* time in its zone: a weekly
meetup at 19:00 in Rome stays at 19:00 in Rome across daylight-saving changes (its UTC
instant moves by an hour). The rule runs on naive local times and each occurrence is
then placed in the zone (:func:`core.calendar.times.to_utc`), so a local time a change
skips or repeats is read the way the parser reads it. A monthly series started on the
31st skips the months without one, as RFC 5545 says.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Literal

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule

from townsquare.core.calendar.times import to_utc


class Repeat(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


_FREQUENCIES: dict[Repeat, Literal[0, 1, 2, 3, 4, 5, 6]] = {
    Repeat.DAILY: DAILY,
    Repeat.WEEKLY: WEEKLY,
    Repeat.MONTHLY: MONTHLY,
}


def rrule_text(repeat: Repeat) -> str:
    """The rule as an iCalendar ``RRULE`` value."""
    return f"FREQ={repeat.value.upper()}"


def next_slot(repeat: Repeat, anchor: datetime, where: tzinfo, after: datetime) -> datetime:
    """The series' first time strictly after ``after`` (aware, any zone), in UTC.

    ``anchor``: the first occurrence's naive wall-clock time in ``where``."""
    rule = rrule(_FREQUENCIES[repeat], dtstart=anchor)
    local_after = after.astimezone(where).replace(tzinfo=None)
    candidate = rule.after(local_after, inc=False)
    while candidate is not None:
        moment = to_utc(candidate, where)
        if moment > after:
            return moment
        candidate = rule.after(candidate, inc=False)
    raise ValueError("a series without end always has a next time")  # pragma: no cover
