"""Events on the dashboard: the upcoming events of the viewer's communities, each with
its time on the community's clock (``/settings tz``, else UTC), its answers (going,
maybe, waitlist) and who gave them, and cancelling it.

* ``GET /events``: the upcoming events (those posted in a community the viewer manages,
  a space's ones once); ``GET /events/<id>``: one event and its attendee list (404 for an
  event posted in no community the viewer manages).
* ``POST /events/<id>``: cancel it, as the manager's own ``/event cancel <id>`` (the
  feature edits its posts and tells those who answered, as from the chat).

Creating and editing events stay chat commands.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from townsquare.core.calendar.rules import Status
from townsquare.core.calendar.store import CalendarEvent, Rsvp, counts
from townsquare.core.calendar.times import local_text
from townsquare.core.dashboard.store import Grant
from townsquare.core.refs import CommunityRef
from townsquare.core.settings import TimeZone, read
from townsquare.storage.calendar import SqlEventStore
from townsquare.storage.store import SqlTransaction
from townsquare.web import actions
from townsquare.web.auth import Viewer, posted, viewer
from townsquare.web.inbox import read_tx
from townsquare.web.views import render

LIMIT = 50
"""Upcoming events read per community."""
ANSWERS = (Status.GOING, Status.MAYBE, Status.WAITING)


def _grant_of(who: Viewer, event: CalendarEvent) -> Grant | None:
    """The viewer's grant in a community the event is posted in (its own first)."""
    for post in event.posts:
        for grant in who.grants:
            if (grant.bot, grant.community_id) == (post.bot, post.community_id):
                return grant
    return None


async def _zone(tx: SqlTransaction, grant: Grant) -> str:
    stored = await tx.settings(CommunityRef(grant.community_platform, grant.community_id))
    return read(TimeZone, stored).tz or "UTC"


def _summary(rsvps: list[Rsvp]) -> dict[str, int]:
    counted = counts(rsvps)
    return {status.value: counted.of(status) for status in ANSWERS}


async def events_page(request: web.Request) -> web.Response:
    who = await viewer(request)
    now = datetime.now(UTC)
    found: dict[int, tuple[CalendarEvent, Grant, str, dict[str, int]]] = {}
    async with read_tx(request) as tx:
        store = SqlEventStore(tx)
        for grant in who.grants:
            zone = await _zone(tx, grant)
            for event in await store.upcoming(grant.bot, grant.community_id, now, LIMIT):
                if event.id not in found:
                    summary = _summary(await store.rsvps(event.id))
                    found[event.id] = (event, grant, zone, summary)
    listed = sorted(found.values(), key=lambda row: (row[0].starts_at, row[0].id))
    return render(
        request,
        "events.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
        events=listed,
        local=lambda at, zone: local_text(at, zone, who.language),
    )


async def _visible(
    request: web.Request, who: Viewer
) -> tuple[CalendarEvent, Grant, str, list[Rsvp], int]:
    try:
        event_id = int(request.match_info["event"])
    except ValueError:
        raise web.HTTPNotFound() from None
    async with read_tx(request) as tx:
        store = SqlEventStore(tx)
        event = await store.get(event_id)
        grant = _grant_of(who, event) if event is not None else None
        if event is None or grant is None:
            raise web.HTTPNotFound(text="There is no such event.")
        zone = await _zone(tx, grant)
        rsvps = await store.rsvps(event_id)
        attended = await store.attended(event_id)
    return event, grant, zone, list(rsvps), attended


async def event_page(
    request: web.Request, answer: list[str] | None = None, *, done: bool = False
) -> web.Response:
    who = await viewer(request)
    event, grant, zone, rsvps, attended = await _visible(request, who)
    return render(
        request,
        "event.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
        event=event,
        grant=grant,
        zone=zone,
        summary=_summary(rsvps),
        answers=[(status.value, [r for r in rsvps if r.status is status]) for status in ANSWERS],
        attended=attended,
        local=lambda at: local_text(at, zone, who.language),
        ended=event.ends_at <= datetime.now(UTC),
        answer=answer,
        done=done,
    )


async def cancel_event(request: web.Request) -> web.Response:
    who, form = await posted(request)
    event, grant, _zone, _rsvps, _attended = await _visible(request, who)
    if str(form.get("action", "")) != "cancel":
        raise web.HTTPBadRequest(text="unknown action")
    answer = await actions.submit(
        request, who, grant, actions.form_nonce(form), "event", ["cancel", str(event.id)]
    )
    return await event_page(request, answer, done=True)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/events", events_page)
    app.router.add_get("/events/{event}", event_page)
    app.router.add_post("/events/{event}", cancel_event)
