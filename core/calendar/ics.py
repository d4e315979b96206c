"""``/event ics <id>``: the event as an iCalendar file (RFC 5545, the ``icalendar``
package), for any calendar app.

Times are written in the event's own zone (``DTSTART;TZID=Europe/Rome``) with that
zone's ``VTIMEZONE`` rules included, so a calendar shows the right instant on both sides
of a daylight-saving change, and a recurring event keeps its wall-clock time; an event
in UTC is written in UTC (``...Z``). An occurrence moved on its own carries no rule.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from townsquare.core.calendar.recurrence import rrule_text
from townsquare.core.calendar.store import CalendarEvent
from townsquare.core.when import zone

PRODUCT = "-//townsquare//events//EN"


def uid(event: CalendarEvent) -> str:
    return f"townsquare-event-{event.id}-{event.platform}-{event.bot}"


def ics(event: CalendarEvent, now: datetime, link: str | None = None) -> bytes:
    """The calendar file of one event (or of a series from this occurrence on)."""
    # Imported here: icalendar costs ~50 ms to import, and only this command needs it.
    from icalendar import Calendar, vRecur
    from icalendar import Event as VEvent

    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = VEvent()
    where = zone(event.tz)
    local = where is not UTC
    start = event.starts_at.astimezone(where if local else UTC)
    entry.add("uid", uid(event))
    entry.add("dtstamp", now.astimezone(UTC))
    entry.add("dtstart", start)
    entry.add("dtend", event.ends_at.astimezone(where if local else UTC))
    entry.add("summary", event.title)
    if event.details.where:
        entry.add("location", event.details.where)
    if link:
        entry.add("url", link)
    if event.repeat is not None and event.slot == event.starts_at:
        entry.add("rrule", vRecur.from_ical(rrule_text(event.repeat)))
    entry.add("status", "CANCELLED" if event.cancelled_at is not None else "CONFIRMED")
    calendar.add_component(entry)
    if local:
        # The zone's rules from a year before to ten years after: a small file that
        # still covers every occurrence a calendar is likely to show.
        year = start.year
        calendar.add_missing_timezones(date(year - 1, 1, 1), date(year + 10, 1, 1))
    data: bytes = calendar.to_ical()
    return data
