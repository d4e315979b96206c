"""Analytics on the dashboard: the figures ``/stats`` answers, for each community the
viewer manages (in a space, the space's, as ``/stats`` counts there), with charts of the
period's days drawn on the page (:mod:`web.charts`) and the same numbers in a table.

* ``GET /analytics?period=7d|30d|90d`` (default 30d): each community's headline figures;
  ``GET /analytics/<platform>/<id>?period=...``: one community's figures, every line
  ``/stats`` answers, the daily messages and active members as charts and a table (404
  for a community the viewer does not manage).

Read-only: the figures come from the function ``/stats`` reads them with
(:func:`core.analytics.reading.periods`) and are written by its renderer
(:func:`core.analytics.render.figures`), so the page and ``/stats`` cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from aiohttp import web
from babel.dates import format_date

from townsquare.core.analytics import render as stats
from townsquare.core.analytics.feature import PERIODS
from townsquare.core.analytics.metrics import Summary, series
from townsquare.core.analytics.reading import periods
from townsquare.core.analytics.rules import community_scope, space_scope
from townsquare.core.analytics.store import Window
from townsquare.core.dashboard.store import Grant
from townsquare.core.i18n import _, translator
from townsquare.storage.analytics import SqlAnalyticsStore
from townsquare.storage.people import SqlPersonDirectory
from townsquare.storage.store import SqlTransaction
from townsquare.web.auth import Viewer, viewer
from townsquare.web.charts import Chart, chart
from townsquare.web.inbox import read_tx
from townsquare.web.views import render

DEFAULT_PERIOD = "30d"


@dataclass(frozen=True, slots=True)
class Figures:
    """A period's figures and the period before (what ``/stats`` compares with)."""

    window: Window
    now: Summary
    before: Summary


@dataclass(frozen=True, slots=True)
class Headline:
    """One headline figure: its name, value and change against the period before."""

    name: str
    value: str
    change: str


def _period(request: web.Request) -> str:
    raw = str(request.query.get("period", DEFAULT_PERIOD)).lower().strip()
    return raw if raw in PERIODS else DEFAULT_PERIOD


def scope_for(request: web.Request, grant: Grant) -> tuple[str, str | None]:
    """The scope ``/stats`` reads in the grant's community, and its space's name."""
    from townsquare.web.app import RUNTIME

    space = request.app[RUNTIME].config.space_directory().of(grant.bot, grant.community_id)
    if space is not None:
        return space_scope(space.name), space.name
    return community_scope(grant.community_platform, grant.community_id), None


async def figures(tx: SqlTransaction, scope: str, days: int, now: datetime) -> Figures:
    """What ``/stats <days>d`` computes for ``scope``: the same function."""
    window, summary, before = await periods(
        SqlAnalyticsStore(tx), SqlPersonDirectory(), tx, scope, days, now
    )
    return Figures(window, summary, before)


def headlines(found: Figures, language: str) -> list[Headline]:
    tr = translator(language)
    now, before = found.now, found.before
    pairs = (
        (tr(_("Messages")), now.messages, before.messages),
        (tr(_("Active members")), now.active, before.active),
        (tr(_("New members")), now.new_members, before.new_members),
        (tr(_("Questions")), now.questions, before.questions),
        (tr(_("Cases")), now.cases_opened, before.cases_opened),
    )
    return [Headline(name, str(value), stats.delta(value, old, tr)) for name, value, old in pairs]


def _grants(who: Viewer, request: web.Request) -> list[tuple[Grant, str, str | None]]:
    """Each scope once: (the grant through which it is reached, scope, space name)."""
    seen: dict[str, tuple[Grant, str, str | None]] = {}
    for grant in who.grants:
        scope, space = scope_for(request, grant)
        seen.setdefault(scope, (grant, scope, space))
    return list(seen.values())


async def analytics_index(request: web.Request) -> web.Response:
    who = await viewer(request)
    period = _period(request)
    now = datetime.now(UTC)
    rows: list[tuple[Grant, str | None, list[Headline]]] = []
    async with read_tx(request) as tx:
        for grant, scope, space in _grants(who, request):
            found = await figures(tx, scope, PERIODS[period], now)
            rows.append((grant, space, headlines(found, who.language)))
    return render(
        request,
        "analytics_index.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
        period=period,
        periods=list(PERIODS),
        rows=rows,
    )


def _days(window: Window, language: str) -> list[tuple[str, str, int, int]]:
    """(ISO date, the date as read, messages, members who wrote) of every day."""
    return [
        (
            date.fromordinal(day.day).isoformat(),
            format_date(date.fromordinal(day.day), "d MMM", locale=language),
            day.messages,
            day.active,
        )
        for day in series(window)
    ]


async def analytics_page(request: web.Request) -> web.Response:
    who = await viewer(request)
    grant = who.grant_for(request.match_info["platform"], request.match_info["community"])
    if grant is None:
        raise web.HTTPNotFound(text="There is no such community.")
    period = _period(request)
    days = PERIODS[period]
    scope, space = scope_for(request, grant)
    async with read_tx(request) as tx:
        found = await figures(tx, scope, days, datetime.now(UTC))
    tr = translator(who.language)
    lines = stats.figures(found.now, found.before, tr, stats.period_title(days, tr))
    rows = _days(found.window, who.language)
    charts: list[tuple[str, str, Chart]] = [
        ("messages", tr(_("Messages per day")), chart([(row[1], row[2]) for row in rows])),
        ("active", tr(_("Members who wrote, per day")), chart([(row[1], row[3]) for row in rows])),
    ]
    return render(
        request,
        "analytics.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
        grant=grant,
        space=space,
        period=period,
        periods=list(PERIODS),
        title=stats.period_title(days, tr),
        headlines=headlines(found, who.language),
        lines=lines.plain().split("\n")[1:],
        charts=charts,
        days=rows,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/analytics", analytics_index)
    app.router.add_get("/analytics/{platform}/{community}", analytics_page)
