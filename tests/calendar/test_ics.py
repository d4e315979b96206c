"""``/event ics``: the file parses with the ``icalendar`` package and names the right
instants, for an event created in Rome time on both sides of a daylight-saving change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar

from tests.calendar.support import ALICE, START, Clock, EventAdapter, events_runtime, play, typed
from townsquare.core.calendar.ics import ics
from townsquare.core.calendar.recurrence import Repeat
from townsquare.core.calendar.store import CalendarEvent, Details


def _event(starts_at: datetime, **fields: object) -> CalendarEvent:
    details = Details("Meetup", "Library", timedelta(hours=2), None, (), timedelta())
    return CalendarEvent(
        1,
        "telegram",
        "tg",
        "-100",
        "-100",
        None,
        details,
        starts_at,
        "Europe/Rome",
        "1",
        **fields,  # type: ignore[arg-type]
    )


def test_a_recurring_rome_event_crossing_the_change_has_the_right_utc_times() -> None:
    first = datetime(2026, 3, 21, 18, 0, tzinfo=UTC)  # 19:00 in Rome, winter time
    event = _event(first, repeat=Repeat.WEEKLY, slot=first)
    calendar = icalendar.Calendar.from_ical(ics(event, START))
    (vevent,) = calendar.walk("VEVENT")
    start = vevent.decoded("DTSTART")
    assert start.astimezone(UTC) == first
    assert vevent.decoded("DTEND").astimezone(UTC) == first + timedelta(hours=2)
    assert str(vevent["SUMMARY"]) == "Meetup" and str(vevent["LOCATION"]) == "Library"
    assert vevent["RRULE"].to_ical() == b"FREQ=WEEKLY"
    # The occurrences the file describes: the one after the change is 17:00 UTC.
    from dateutil.rrule import rrulestr

    rule = rrulestr(vevent["RRULE"].to_ical().decode(), dtstart=start)
    second, third = rule[1], rule[2]
    assert second.astimezone(UTC) == datetime(2026, 3, 28, 18, 0, tzinfo=UTC)
    assert third.astimezone(UTC) == datetime(2026, 4, 4, 17, 0, tzinfo=UTC)
    assert calendar.walk("VTIMEZONE"), "the zone's rules travel with the file"


async def test_the_file_sent_for_a_summer_event_created_in_winter(database_url: str) -> None:
    clock, adapter = Clock(START.replace(month=3, day=1)), EventAdapter()
    async with events_runtime(database_url, adapter, clock) as runtime:
        await play(
            runtime,
            typed('/event "Picnic" 2026-04-02 12:30 --tz Europe/Rome', ALICE, clock),
            typed("/event ics 1", ALICE, clock),
        )
        (sent,) = adapter.files()
        assert sent.mime_type == "text/calendar"
        (vevent,) = icalendar.Calendar.from_ical(sent.data).walk("VEVENT")
        assert vevent.decoded("DTSTART").astimezone(UTC) == datetime(2026, 4, 2, 10, 30, tzinfo=UTC)
        assert "Thu 2 Apr 2026, 12:30 Europe/Rome (UTC+02:00)" in adapter.card()
