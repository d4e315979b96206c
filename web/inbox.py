"""The unified inbox: cases (and, once that feature stores them, member tickets) of every
community the viewer manages, on every platform, in one list.

* ``GET /inbox``: the list with its filters (status, platform, community, kind, text);
  ``GET /inbox/items`` the list alone, which the page asks for again every few seconds
  (htmx polling), so new cases and changes appear without reloading.
* ``GET /cases/<id>``: one case, its reporters and its audit log, with the forms that
  act on it; ``POST /cases/<id>`` acts (claim, resolve, reopen, dismiss, warn, mute)
  through :mod:`web.actions`, as the manager's own ``/case <id> <action>``.

A case of a community the viewer does not manage is answered as an unknown one (404),
whichever route names it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from townsquare.core.escalation.store import Case, CaseFilter, CaseStatus
from townsquare.core.i18n import _
from townsquare.storage.database import reader
from townsquare.storage.escalation import SqlEscalationStore
from townsquare.storage.store import SqlTransaction
from townsquare.web import actions
from townsquare.web.auth import Viewer, auth, posted, viewer
from townsquare.web.views import render

CASE_ACTIONS = ("claim", "resolve", "reopen", "dismiss", "warn", "mute")
WITH_NOTE = frozenset({"resolve", "dismiss", "warn", "mute", "reopen"})
STATUS_FILTERS = {
    "open": (CaseStatus.OPEN, CaseStatus.CLAIMED),
    "closed": (CaseStatus.RESOLVED, CaseStatus.DISMISSED),
    "all": tuple(CaseStatus),
}
MAX_NOTE = 1000
LIMIT = 100
STATUS_NAMES = {
    "open": _("open"),
    "claimed": _("claimed"),
    "closed": _("closed"),
    "resolved": _("resolved"),
    "dismissed": _("dismissed"),
}


@dataclass(frozen=True, slots=True)
class Item:
    """One row of the inbox, whatever it is."""

    kind: str
    id: int
    platform: str
    community: str
    status: str
    who: str
    summary: str
    reason: str
    claimed_by: str
    updated_at: datetime
    url: str


@dataclass(frozen=True, slots=True)
class Filters:
    status: str = "open"
    platform: str = ""
    community: str = ""
    kind: str = ""
    text: str = ""

    @classmethod
    def of(cls, query: Any) -> Filters:
        status = str(query.get("status", "open"))
        return cls(
            status=status if status in STATUS_FILTERS else "open",
            platform=str(query.get("platform", ""))[:32],
            community=str(query.get("community", ""))[:200],
            kind=str(query.get("kind", ""))[:16],
            text=str(query.get("q", ""))[:200].strip(),
        )

    @property
    def query(self) -> str:
        from urllib.parse import urlencode

        values = {
            "status": self.status,
            "platform": self.platform,
            "community": self.community,
            "kind": self.kind,
            "q": self.text,
        }
        return urlencode({key: value for key, value in values.items() if value})


@asynccontextmanager
async def read_tx(request: web.Request) -> AsyncIterator[SqlTransaction]:
    """A read-only transaction for the stores' reads (no writer turn is taken)."""
    store = auth(request).store
    async with reader(store.engine).connect() as connection, connection.begin():
        yield SqlTransaction(store, connection)


def case_item(case: Case) -> Item:
    return Item(
        kind="case",
        id=case.id,
        platform=case.platform,
        community=case.community_title or case.community_id,
        status=str(case.status),
        who=case.offender_name or case.offender_id or "",
        summary=(case.snapshot or case.reason or "")[:300],
        reason=(case.reason or "")[:200],
        claimed_by=case.claimed_by_name or "",
        updated_at=case.updated_at,
        url=f"/cases/{case.id}",
    )


async def items(request: web.Request, who: Viewer, filters: Filters) -> list[Item]:
    found: list[Item] = []
    statuses = STATUS_FILTERS[filters.status]
    async with read_tx(request) as tx:
        store = SqlEscalationStore(tx)
        for platform, community_id, _title in who.communities:
            if filters.platform and platform != filters.platform:
                continue
            if filters.community and f"{platform}:{community_id}" != filters.community:
                continue
            if filters.kind in ("", "case"):
                where = CaseFilter(
                    platform=platform, community_id=community_id, statuses=statuses, limit=LIMIT
                )
                found += [case_item(case) for case in await store.cases(where)]
    from townsquare.web.tickets import ticket_items

    found += await ticket_items(request, who, filters)
    if filters.text:
        needle = filters.text.casefold()
        found = [
            item
            for item in found
            if needle in f"{item.summary} {item.reason} {item.who}".casefold()
        ]
    return sorted(found, key=lambda item: item.updated_at, reverse=True)[:LIMIT]


async def inbox_page(request: web.Request) -> web.Response:
    who = await viewer(request)
    filters = Filters.of(request.query)
    return render(
        request,
        "inbox.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
        filters=filters,
        items=await items(request, who, filters),
        status_names=STATUS_NAMES,
        platforms=sorted({platform for platform, _c, _t in who.communities}),
    )


async def inbox_items(request: web.Request) -> web.Response:
    who = await viewer(request)
    filters = Filters.of(request.query)
    return render(
        request,
        "_items.html",
        language=who.language,
        items=await items(request, who, filters),
        status_names=STATUS_NAMES,
    )


async def _visible_case(request: web.Request, who: Viewer) -> Case:
    """The case the route names, if the viewer manages its community; else 404."""
    try:
        case_id = int(request.match_info["case"])
    except ValueError:
        raise web.HTTPNotFound() from None
    async with read_tx(request) as tx:
        case = await SqlEscalationStore(tx).case(case_id)
    if case is None or who.grant_for(case.platform, case.community_id) is None:
        raise web.HTTPNotFound(text="There is no such case.")
    return case


async def _case_page(
    request: web.Request, who: Viewer, case: Case, answer: list[str] | None = None, *, done: bool
) -> web.Response:
    async with read_tx(request) as tx:
        store = SqlEscalationStore(tx)
        history = await store.audit_log(case.id, limit=50)
        reporters = await store.reporters(case.id)
    return render(
        request,
        "case.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
        case=case,
        history=history,
        reporters=reporters,
        answer=answer,
        done=done,
        status_names=STATUS_NAMES,
        actions=CASE_ACTIONS,
    )


async def case_page(request: web.Request) -> web.Response:
    who = await viewer(request)
    case = await _visible_case(request, who)
    return await _case_page(request, who, case, done=False)


async def act_on_case(request: web.Request) -> web.Response:
    who, form = await posted(request)
    case = await _visible_case(request, who)
    grant = who.grant_for(case.platform, case.community_id)
    assert grant is not None
    action = str(form.get("action", ""))
    if action not in CASE_ACTIONS:
        raise web.HTTPBadRequest(text="unknown action")
    nonce = actions.form_nonce(form)
    note = " ".join(str(form.get("note", "")).split())[:MAX_NOTE]
    argv = [str(case.id), action]
    if note and action in WITH_NOTE:
        argv += ["--", note]
    answer = await actions.submit(request, who, grant, nonce, "case", argv)
    return await _case_page(request, who, await _visible_case(request, who), answer, done=True)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", _home)
    app.router.add_get("/inbox", inbox_page)
    app.router.add_get("/inbox/items", inbox_items)
    app.router.add_get("/cases/{case}", case_page)
    app.router.add_post("/cases/{case}", act_on_case)


async def _home(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/inbox")
