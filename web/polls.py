"""Polls on the dashboard: the newest polls of the viewer's communities, each with its
live tally, closing and a CSV export.

* ``GET /polls``: the list; ``GET /polls/<id>``: one poll, whose tally
  (``GET /polls/<id>/tally``) the page asks for again every few seconds (htmx).
* ``POST /polls/<id>``: close it, as the manager's own ``/poll close <id>``.
* ``GET /polls/<id>/export.csv``: the same CSV ``/poll export`` sends (an anonymous
  poll's has no voters), as a download.

A poll of a community the viewer does not manage is answered as an unknown one (404).
"""

from __future__ import annotations

from aiohttp import web

from townsquare.core.dashboard.store import Grant
from townsquare.core.polls.render import export_csv, tally
from townsquare.core.polls.store import Poll, Vote
from townsquare.storage.polls import SqlPollStore
from townsquare.storage.web import poll_ids
from townsquare.web import actions
from townsquare.web.auth import Viewer, posted, viewer
from townsquare.web.inbox import read_tx
from townsquare.web.views import render


async def polls_page(request: web.Request) -> web.Response:
    who = await viewer(request)
    communities = [(platform, cid) for platform, cid, _title in who.communities]
    found: list[Poll] = []
    async with read_tx(request) as tx:
        store = SqlPollStore(tx)
        for poll_id in await poll_ids(tx.connection, communities):
            poll = await _get(store, poll_id, who)
            if poll is not None:
                found.append(poll)
    return render(
        request,
        "polls.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
        polls=found,
    )


async def _get(store: SqlPollStore, poll_id: int, who: Viewer) -> Poll | None:
    for platform in {grant.community_platform for grant in who.grants}:
        poll = await store.get(poll_id, platform)
        if (
            poll is not None
            and poll.community_id is not None
            and who.grant_for(poll.platform, poll.community_id) is not None
        ):
            return poll
    return None


async def _visible(request: web.Request, who: Viewer) -> tuple[Poll, Grant, list[Vote]]:
    try:
        poll_id = int(request.match_info["poll"])
    except ValueError:
        raise web.HTTPNotFound() from None
    async with read_tx(request) as tx:
        store = SqlPollStore(tx)
        poll = await _get(store, poll_id, who)
        votes = await store.votes(poll_id) if poll is not None else []
    if poll is None or poll.community_id is None:
        raise web.HTTPNotFound(text="There is no such poll.")
    grant = who.grant_for(poll.platform, poll.community_id)
    assert grant is not None
    return poll, grant, list(votes)


def _rows(poll: Poll, votes: list[Vote]) -> list[tuple[str, int, int]]:
    counts = tally(poll, votes).counts
    total = sum(counts) or 1
    return [
        (option, counts[index], round(100 * counts[index] / total))
        for index, option in enumerate(poll.options)
    ]


async def poll_page(
    request: web.Request, answer: list[str] | None = None, *, done: bool = False
) -> web.Response:
    who = await viewer(request)
    poll, _grant, votes = await _visible(request, who)
    return render(
        request,
        "poll.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
        poll=poll,
        rows=_rows(poll, votes),
        voters=len({vote.user_id for vote in votes}),
        answer=answer,
        done=done,
    )


async def poll_tally(request: web.Request) -> web.Response:
    who = await viewer(request)
    poll, _grant, votes = await _visible(request, who)
    return render(
        request,
        "_tally.html",
        language=who.language,
        poll=poll,
        rows=_rows(poll, votes),
        voters=len({vote.user_id for vote in votes}),
    )


async def close_poll(request: web.Request) -> web.Response:
    who, form = await posted(request)
    poll, grant, _votes = await _visible(request, who)
    if str(form.get("action", "")) != "close":
        raise web.HTTPBadRequest(text="unknown action")
    answer = await actions.submit(
        request, who, grant, actions.form_nonce(form), "poll", ["close", str(poll.id)]
    )
    return await poll_page(request, answer, done=True)


async def poll_export(request: web.Request) -> web.Response:
    who = await viewer(request)
    poll, _grant, votes = await _visible(request, who)
    return web.Response(
        body=export_csv(poll, votes).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="poll-{poll.id}.csv"'},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/polls", polls_page)
    app.router.add_get("/polls/{poll}", poll_page)
    app.router.add_post("/polls/{poll}", close_poll)
    app.router.add_get("/polls/{poll}/tally", poll_tally)
    app.router.add_get("/polls/{poll}/export.csv", poll_export)
