"""``GET /calendar/<token>.ics``: a secret calendar feed of the events feature
(:mod:`core.calendar.extras` hands out the URLs, ``webcal://`` and ``https://``).

A community's feed has every event shown there (a space's too), a person's the events
they answered Going or Maybe or wait for; from 30 days ago on, cancelled ones marked
``STATUS:CANCELLED``. The token is the only credential: an unknown (or reset) one is 404,
like a path that does not exist. Served by the health-and-metrics app on ``[web]
listen``; :func:`add_calendar_feed` is its one registration.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from townsquare.core.calendar.ics import feed_ics
from townsquare.storage.calendar_feeds import feed_events

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
CALENDAR = "text/calendar"


def add_calendar_feed(app: web.Application, runtime: Any) -> None:
    """Serve the feeds from ``runtime``'s database (its ``engine``, once started)."""

    async def feed(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        engine = getattr(runtime, "engine", None)
        if not TOKEN.fullmatch(token):
            raise web.HTTPNotFound()
        if engine is None:
            raise web.HTTPServiceUnavailable(text="starting")
        now = datetime.now(UTC)
        events = await feed_events(engine, token, now)
        if events is None:
            raise web.HTTPNotFound()
        body = feed_ics(events, now, "townsquare")
        return web.Response(
            body=body,
            content_type=CALENDAR,
            charset="utf-8",
            headers={"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"},
        )

    app.router.add_get("/calendar/{token}.ics", feed)
