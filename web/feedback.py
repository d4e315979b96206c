"""The feedback board on the dashboard: the ideas of the viewer's communities (one board
per community, or their space's one), and each idea with its status history and a form
that changes its status.

* ``GET /feedback?status=open|all|<status>&sort=votes|newest``: the board;
  ``GET /feedback/<id>``: one idea (404 for an idea of a board the viewer does not
  manage).
* ``POST /feedback/<id>``: a new status and a note, as the manager's own
  ``/feedback status <id> <status> [note]`` (every backer is told privately by the
  feature, as from the chat).

Marking a duplicate, routing to a team and opening a GitHub issue stay chat commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from townsquare.core.dashboard.store import Grant
from townsquare.core.feedback.render import status_name
from townsquare.core.feedback.rules import MAX_NOTE, SETTABLE, Status, parse_status, scope_of
from townsquare.core.feedback.store import Idea
from townsquare.core.i18n import translator
from townsquare.core.persons import account_platform
from townsquare.storage.feedback import SqlFeedbackStore
from townsquare.storage.people import SqlPeopleStore
from townsquare.storage.store import SqlTransaction
from townsquare.web import actions
from townsquare.web.auth import Viewer, posted, viewer
from townsquare.web.inbox import read_tx
from townsquare.web.views import render

LIMIT = 100
"""Ideas read per board and status."""
SORTS = ("votes", "newest")
Change = tuple[datetime, Status, str | None, str]
"""One status change: when, to what, its note, by whom."""


@dataclass(frozen=True, slots=True)
class Board:
    """A board the viewer manages: its scope, what it is called, and the grant through
    which its commands are sent."""

    scope: str
    title: str
    grant: Grant


def boards(request: web.Request, who: Viewer) -> dict[str, Board]:
    """The viewer's boards by scope: a space's communities share one."""
    from townsquare.web.app import RUNTIME

    spaces = request.app[RUNTIME].config.space_directory()
    found: dict[str, Board] = {}
    for grant in who.grants:
        space = spaces.of(grant.bot, grant.community_id)
        scope = scope_of(
            space.name if space is not None else None,
            grant.community_platform,
            grant.community_id,
        )
        title = space.name if space is not None else grant.community_title or grant.community_id
        found.setdefault(scope, Board(scope, title, grant))
    return found


def _filters(request: web.Request) -> tuple[str, Status | None, str]:
    raw = str(request.query.get("status", "open")).lower()
    status = parse_status(raw) if raw not in ("open", "all") else None
    shown = status.value if status is not None else raw if raw in ("open", "all") else "open"
    sort = str(request.query.get("sort", "votes"))
    return shown, status, sort if sort in SORTS else "votes"


async def feedback_page(request: web.Request) -> web.Response:
    who = await viewer(request)
    shown, status, sort = _filters(request)
    reached = boards(request, who)
    ideas: list[tuple[Idea, Board]] = []
    async with read_tx(request) as tx:
        store = SqlFeedbackStore(tx)
        for board in reached.values():
            wanted: list[Status | None] = list(Status) if shown == "all" else [status]
            for one in wanted:
                ideas += [(idea, board) for idea in await store.listed(board.scope, one, LIMIT)]
    if sort == "newest":
        ideas.sort(key=lambda pair: (pair[0].created_at, pair[0].id), reverse=True)
    else:
        ideas.sort(key=lambda pair: (-pair[0].votes, pair[0].id))
    tr = translator(who.language)
    return render(
        request,
        "feedback.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
        ideas=ideas,
        boards=len(reached) > 1,
        shown=shown,
        sort=sort,
        statuses=[(s.value, status_name(s, tr)) for s in Status],
        status_name=lambda s: status_name(s, tr),
    )


async def _visible(request: web.Request, who: Viewer) -> tuple[Idea, Board, list[Change]]:
    try:
        idea_id = int(request.match_info["idea"])
    except ValueError:
        raise web.HTTPNotFound() from None
    reached = boards(request, who)
    async with read_tx(request) as tx:
        store = SqlFeedbackStore(tx)
        idea = await store.get(idea_id)
        board = reached.get(idea.scope) if idea is not None else None
        history = await store.history(idea_id) if board is not None else []
        if idea is None or board is None:
            raise web.HTTPNotFound(text="There is no such idea.")
        names = await _names(tx, who, {by for _at, _status, _note, by in history})
    return idea, board, [(at, status, note, names.get(by, by)) for at, status, note, by in history]


async def _names(tx: SqlTransaction, who: Viewer, changers: set[str]) -> dict[str, str]:
    """The names of the accounts (``platform:user_id``) that changed a status, as the
    viewer's grants or the people directory know them; others (``github``) stay as
    written."""
    own = {
        f"{account_platform(g.platform)}:{g.user_id}": g.display_name
        for g in who.grants
        if g.display_name
    }
    people = SqlPeopleStore(tx)
    found: dict[str, str] = {}
    for by in changers:
        platform, _colon, user_id = by.partition(":")
        account = await people.find_account(platform, user_id) if user_id else None
        name = own.get(by) or (account.display_name if account is not None else "")
        if name:
            found[by] = f"{name} ({platform})"
    return found


async def idea_page(
    request: web.Request, answer: list[str] | None = None, *, done: bool = False
) -> web.Response:
    who = await viewer(request)
    idea, board, history = await _visible(request, who)
    tr = translator(who.language)
    return render(
        request,
        "idea.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
        idea=idea,
        board=board,
        history=history,
        settable=[(s.value, status_name(s, tr)) for s in SETTABLE],
        status_name=lambda s: status_name(s, tr),
        max_note=MAX_NOTE,
        answer=answer,
        done=done,
    )


async def change_status(request: web.Request) -> web.Response:
    who, form = await posted(request)
    idea, board, _history = await _visible(request, who)
    status = parse_status(form.get("status"))
    if status is None or status not in SETTABLE:
        raise web.HTTPBadRequest(text="unknown status")
    note = " ".join(str(form.get("note", "")).split())[:MAX_NOTE]
    argv = ["status", "--", str(idea.id), status.value, *([note] if note else [])]
    answer = await actions.submit(
        request, who, board.grant, actions.form_nonce(form), "feedback", argv
    )
    return await idea_page(request, answer, done=True)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/feedback", feedback_page)
    app.router.add_get("/feedback/{idea}", idea_page)
    app.router.add_post("/feedback/{idea}", change_status)
