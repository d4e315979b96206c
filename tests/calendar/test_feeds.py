"""Calendar feeds under ``[web]``: ``/event feed`` tells each member their own secret URL
privately (managers the community's too), ``GET /calendar/<token>.ics`` on the web app
serves it as ``text/calendar`` that the ``icalendar`` package parses, with the right
instants in the event's zone (across a daylight-saving change) and cancelled events
marked; a reset token stops working and an unknown one is 404 (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import icalendar
import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.calendar.support import (
    ALICE,
    Clock,
    EventAdapter,
    features,
    play,
    press,
    typed,
)
from tests.harness import console_runtime
from tests.support import member
from townsquare.bots.runtime import Runtime
from townsquare.core.calendar.feature import Events
from townsquare.web.app import create_app

BOB, CAROL = member("Bob"), member("Carol")
URL = re.compile(r"webcal://town\.example/calendar/([A-Za-z0-9_-]+)\.ics")
HTTPS = re.compile(r"https://town\.example/calendar/([A-Za-z0-9_-]+)\.ics")


@pytest.fixture
async def town(database_url: str) -> AsyncIterator[tuple[Runtime, EventAdapter, Clock, Events]]:
    clock, adapter = Clock(), EventAdapter()
    chosen = features()
    (events,) = [f for f in chosen if isinstance(f, Events)]
    events.use_feeds("https://town.example/")
    async with console_runtime(
        database_url, {"mem": adapter}, clock=clock, features=chosen
    ) as runtime:
        yield runtime, adapter, clock, events


@pytest.fixture
async def web(town: tuple[Runtime, EventAdapter, Clock, Events]) -> AsyncIterator[TestClient]:
    runtime = town[0]
    client = TestClient(TestServer(create_app(runtime), host="127.0.0.1", port=0))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


def _tokens(text: str) -> list[str]:
    found = URL.findall(text)
    assert HTTPS.findall(text) == found, "each webcal URL has its https twin"
    return found


async def _feed(web: TestClient, token: str) -> icalendar.Calendar:
    response = await web.get(f"/calendar/{token}.ics")
    assert response.status == 200
    assert response.content_type == "text/calendar"
    return icalendar.Calendar.from_ical(await response.read())


def _starts(calendar: icalendar.Calendar) -> dict[str, tuple[datetime, str, str]]:
    """Summary -> (start in UTC, the zone it is written in, status)."""
    found = {}
    for entry in calendar.walk("VEVENT"):
        start = entry.decoded("dtstart")
        zone = entry["dtstart"].params.get("TZID", "UTC")
        found[str(entry["summary"])] = (start.astimezone(UTC), zone, str(entry["status"]))
    return found


async def test_members_and_managers_get_their_feeds_privately_and_calendars_read_them(
    town: tuple[Runtime, EventAdapter, Clock, Events], web: TestClient
) -> None:
    runtime, adapter, clock, _events = town
    await play(
        runtime,
        typed('/event "Winter meetup" 2026-12-10 19:00 --tz Europe/Rome', ALICE, clock),
        typed('/event "Spring meetup" 2027-04-01 19:00 --tz Europe/Rome', ALICE, clock),
        typed('/event "Quiz" 2026-12-20 18:00 --tz Europe/Rome --repeat weekly', ALICE, clock),
        press("ev:1:going", BOB, clock),
        press("ev:2:no", BOB, clock),
    )
    adapter.clear()
    await play(runtime, typed("/event feed", BOB, clock))
    (told,) = adapter.directs()
    assert told.user_id == "bob" and told.fallback_text is not None, "never in the channel"
    assert "anyone with the URL" in told.text.plain()
    (bobs,) = _tokens(told.text.plain())
    assert not adapter.sent(), "nothing posted in the channel"
    adapter.clear()
    await play(runtime, typed("/event feed", ALICE, clock))
    (told,) = adapter.directs()
    alices, community = _tokens(told.text.plain())
    assert "This community's calendar feed" in told.text.plain()

    everything = _starts(await _feed(web, community))
    assert everything == {
        "Winter meetup": (datetime(2026, 12, 10, 18, 0, tzinfo=UTC), "Europe/Rome", "CONFIRMED"),
        "Spring meetup": (datetime(2027, 4, 1, 17, 0, tzinfo=UTC), "Europe/Rome", "CONFIRMED"),
        "Quiz": (datetime(2026, 12, 20, 17, 0, tzinfo=UTC), "Europe/Rome", "CONFIRMED"),
    }, "19:00 in Rome is 18:00 UTC in winter and 17:00 UTC in summer"
    calendar = await _feed(web, community)
    (quiz,) = [e for e in calendar.walk("VEVENT") if str(e["summary"]) == "Quiz"]
    assert quiz["rrule"]["FREQ"] == ["WEEKLY"]
    assert [str(z["tzid"]) for z in calendar.walk("VTIMEZONE")] == ["Europe/Rome"]
    assert set(_starts(await _feed(web, bobs))) == {"Winter meetup"}, "Bob's answers only"
    assert _starts(await _feed(web, alices)) == {}, "Alice answered nothing"

    await play(runtime, typed("/event cancel 1", ALICE, clock))
    assert _starts(await _feed(web, bobs))["Winter meetup"][2] == "CANCELLED"

    adapter.clear()
    await play(runtime, typed("/event feed --reset", BOB, clock))
    (renewed,) = _tokens(adapter.directs()[0].text.plain())
    assert renewed != bobs and "The old URL no longer works." in adapter.directs()[0].text.plain()
    assert (await web.get(f"/calendar/{bobs}.ics")).status == 404
    assert set(_starts(await _feed(web, renewed))) == {"Winter meetup"}

    adapter.clear()
    await play(runtime, typed("/event feed --reset --community", BOB, clock))
    assert adapter.answers() == ["Sorry, only managers can use --community."]
    await play(runtime, typed("/event feed --reset --community", ALICE, clock))
    _mine, new_community = _tokens(adapter.directs()[-1].text.plain())
    assert _mine == alices, "only the community's feed was reset"
    assert (await web.get(f"/calendar/{community}.ics")).status == 404
    assert len(_starts(await _feed(web, new_community))) == 3

    for wrong in ("A" * 32, "short", "..%2F..", "x" * 80):
        assert (await web.get(f"/calendar/{wrong}.ics")).status == 404


async def test_ics_and_events_point_to_the_feed_and_without_web_it_says_so(
    town: tuple[Runtime, EventAdapter, Clock, Events], web: TestClient
) -> None:
    runtime, adapter, clock, events = town
    await play(runtime, typed('/event "Meetup" 2026-12-10 19:00', ALICE, clock))
    adapter.clear()
    await play(runtime, typed("/event ics 1", CAROL, clock))
    (file,) = adapter.files()
    assert file.user_id == "carol"
    (told,) = adapter.directs()
    assert told.user_id == "carol" and len(_tokens(told.text.plain())) == 1
    adapter.clear()
    await play(runtime, typed("/events", CAROL, clock))
    (listing,) = adapter.answers()
    assert listing.endswith("/event feed sends you your calendar feed URL privately.")
    assert "calendar/" not in listing, "a public answer never shows a secret URL"

    events.use_feeds(None)
    adapter.clear()
    await play(runtime, typed("/event feed", CAROL, clock))
    assert adapter.answers() == [
        "Calendar feeds are off here: they need [web] listen and public_url in the bot's config."
    ]
    await play(runtime, typed("/events", CAROL, clock))
    assert "/event feed" not in adapter.answers()[-1]
