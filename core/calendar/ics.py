"""``/event ics <id>`` and the calendar feeds: events as iCalendar (RFC 5545, the
``icalendar`` package), for any calendar app.

Times are written in the event's own zone (``DTSTART;TZID=Europe/Rome``) with that
zone's ``VTIMEZONE`` rules included, so a calendar shows the right instant on both sides
of a daylight-saving change, and a recurring event keeps its wall-clock time; an event
in UTC is written in UTC (``...Z``). An occurrence moved on its own carries no rule; a
cancelled one is ``STATUS:CANCELLED`` (calendars strike it out or drop it).

A feed (:func:`feed_ics`) lists each occurrence that was made (they are made one at a
time); only a series' latest one carries the rule, so past occurrences and the ones to
come never show twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from townsquare.core.calendar.recurrence import rrule_text
from townsquare.core.calendar.store import CalendarEvent
from townsquare.core.when import zone

PRODUCT = "-//townsquare//events//EN"


def uid(event: CalendarEvent) -> str:
    return f"townsquare-event-{event.id}-{event.platform}-{event.bot}"


def _calendar() -> Any:
    # Imported here: icalendar costs ~50 ms to import, and only these need it.
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    return calendar


def _entry(event: CalendarEvent, now: datetime, link: str | None, recurring: bool) -> Any:
    from icalendar import Event as VEvent
    from icalendar import vRecur

    entry = VEvent()
    where = zone(event.tz)
    local = where is not UTC
    entry.add("uid", uid(event))
    entry.add("dtstamp", now.astimezone(UTC))
    entry.add("dtstart", event.starts_at.astimezone(where if local else UTC))
    entry.add("dtend", event.ends_at.astimezone(where if local else UTC))
    entry.add("summary", event.title)
    if event.details.where:
        entry.add("location", event.details.where)
    if link:
        entry.add("url", link)
    if recurring and event.repeat is not None and event.slot == event.starts_at:
        entry.add("rrule", vRecur.from_ical(rrule_text(event.repeat)))
    entry.add("status", "CANCELLED" if event.cancelled_at is not None else "CONFIRMED")
    return entry


def _with_zones(calendar: Any, events: Sequence[CalendarEvent]) -> bytes:
    """The zones' rules from a year before the first to ten years after the last: a small
    file that still covers every occurrence a calendar is likely to show."""
    local = [e for e in events if zone(e.tz) is not UTC]
    if local:
        first = min(e.starts_at for e in local).year
        last = max(e.starts_at for e in local).year
        calendar.add_missing_timezones(date(first - 1, 1, 1), date(last + 10, 1, 1))
    data: bytes = calendar.to_ical()
    return data


def ics(event: CalendarEvent, now: datetime, link: str | None = None) -> bytes:
    """The calendar file of one event (or of a series from this occurrence on)."""
    calendar = _calendar()
    calendar.add_component(_entry(event, now, link, recurring=True))
    return _with_zones(calendar, [event])


def feed_ics(events: Sequence[CalendarEvent], now: datetime, name: str) -> bytes:
    """A feed's calendar (``name``: what calendar apps call it)."""
    calendar = _calendar()
    calendar.add("x-wr-calname", name)
    latest: dict[int, CalendarEvent] = {}
    for event in events:
        if event.series_id is not None:
            known = latest.get(event.series_id)
            if known is None or event.starts_at > known.starts_at:
                latest[event.series_id] = event
    for event in events:
        recurring = event.series_id is not None and latest[event.series_id] is event
        calendar.add_component(_entry(event, now, None, recurring))
    return _with_zones(calendar, events)
