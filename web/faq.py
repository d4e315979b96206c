"""A community's FAQ on the dashboard: its entries, and the unanswered questions members
asked, each turned into an entry in one step.

* ``GET /faq``: the communities the viewer manages; ``GET /faq/<platform>/<id>`` the
  FAQ it uses (in a space, the space's one FAQ) and its most asked unanswered questions.
* ``POST /faq/<platform>/<id>``: ``add`` (``/faq add``), ``remove`` (``/faq remove``),
  and ``answer``: an unanswered question with the answer typed beside it becomes an
  entry (``/faq add``) and leaves the list (``/faq dismiss``): two commands of the
  manager, one click.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from townsquare.core.dashboard.store import Grant
from townsquare.core.refs import CommunityRef
from townsquare.storage.faq import SqlFaqStore
from townsquare.web import actions
from townsquare.web.auth import Viewer, posted, viewer
from townsquare.web.inbox import read_tx
from townsquare.web.views import render

MAX_QUESTION = 300
MAX_ANSWER = 3000
UNANSWERED_SHOWN = 30


def _grant(request: web.Request, who: Viewer) -> Grant:
    grant = who.grant_for(request.match_info["platform"], request.match_info["community"])
    if grant is None:
        raise web.HTTPNotFound(text="There is no such community.")
    return grant


def _faq_of(request: web.Request, grant: Grant) -> CommunityRef:
    from townsquare.web.community_settings import _shared

    return _shared(request, CommunityRef(grant.community_platform, grant.community_id))


async def faq_index(request: web.Request) -> web.Response:
    who = await viewer(request)
    return render(
        request,
        "faq_index.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
    )


async def _page(
    request: web.Request, who: Viewer, grant: Grant, answer: list[str] | None, *, done: bool
) -> web.Response:
    community = _faq_of(request, grant)
    async with read_tx(request) as tx:
        store = SqlFaqStore(tx)
        entries = [entry for entry in await store.entries(community) if not entry.removed]
        unanswered = await store.unanswered(community, UNANSWERED_SHOWN)
    return render(
        request,
        "faq.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
        grant=grant,
        entries=entries,
        unanswered=unanswered,
        answer=answer,
        done=done,
    )


async def faq_page(request: web.Request) -> web.Response:
    who = await viewer(request)
    return await _page(request, who, _grant(request, who), None, done=False)


def _text(form: Any, name: str, limit: int) -> str:
    raw = str(form.get(name, ""))
    value = " ".join(raw.split()) if name == "question" else raw.strip()
    if not value:
        raise web.HTTPBadRequest(text=f"write the {name} first")
    return value[:limit]


def _number(form: Any, name: str) -> str:
    value = str(form.get(name, ""))
    if not value.isdigit():
        raise web.HTTPBadRequest(text=f"no {name}")
    return value


async def change(request: web.Request) -> web.Response:
    who, form = await posted(request)
    grant = _grant(request, who)
    nonce = actions.form_nonce(form)
    what = str(form.get("what", ""))
    steps: list[list[str]]
    if what in ("add", "answer"):
        question = _text(form, "question", MAX_QUESTION)
        steps = [["add", "--", question, _text(form, "answer", MAX_ANSWER)]]
        if what == "answer":
            steps.append(["dismiss", _number(form, "item")])
    elif what == "remove":
        steps = [["remove", _number(form, "entry")]]
    else:
        raise web.HTTPBadRequest(text="unknown change")
    answers: list[str] = []
    repeated = False
    for index, argv in enumerate(steps):
        said = await actions.submit(
            request, who, grant, f"{nonce}-{index}" if index else nonce, "faq", argv
        )
        repeated = repeated or said is None
        answers += said or []
    return await _page(request, who, grant, None if repeated else answers, done=True)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/faq", faq_index)
    app.router.add_get("/faq/{platform}/{community}", faq_page)
    app.router.add_post("/faq/{platform}/{community}", change)
