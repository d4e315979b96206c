"""Member tickets on the dashboard: in the unified inbox beside cases, and one page each.

* A ticket is shown to a viewer who manages its community, or any community of its
  space (the space shares one inbox, so its tickets: ``scope``).
* ``GET /tickets/<id>``: the conversation, both ways, and the audit log;
  ``POST /tickets/<id>`` claims, closes or answers it, as the manager's own
  ``/ticket <id> claim|close|reply <text>`` (:mod:`web.actions`): the answer reaches
  the member privately on their own platform, signed as the team (or with the
  manager's name when "sign with my name" is ticked).
"""

from __future__ import annotations

from aiohttp import web

from townsquare.core.dashboard.store import Grant
from townsquare.core.persons import account_platform
from townsquare.core.refs import CommunityRef
from townsquare.core.tickets.store import Ticket, TicketStatus
from townsquare.storage.tickets import SqlTicketStore
from townsquare.web import actions
from townsquare.web.auth import Viewer, posted, viewer
from townsquare.web.inbox import MAX_NOTE, STATUS_NAMES, Filters, Item, read_tx
from townsquare.web.views import render

TICKET_ACTIONS = ("claim", "close", "reply")
STATUS_FILTERS = {
    "open": (TicketStatus.OPEN, TicketStatus.CLAIMED),
    "closed": (TicketStatus.CLOSED,),
    "all": tuple(TicketStatus),
}
LIMIT = 100


def scope_of(request: web.Request, platform: str, community_id: str) -> tuple[str, str]:
    """The ``(platform, id)`` whose tickets this community shares (its space's first)."""
    from townsquare.web.app import RUNTIME

    config = request.app[RUNTIME].config
    platforms = {bot.name: bot.platform for bot in config.bots if bot.enabled}
    shared = config.space_directory().shared(CommunityRef(platform, community_id), platforms)
    return account_platform(shared.platform), shared.id


def grant_for(request: web.Request, who: Viewer, ticket: Ticket) -> Grant | None:
    """The viewer's grant that reaches the ticket: its own community's, else one in its
    space; None when the viewer manages neither."""
    own = who.grant_for(ticket.platform, ticket.community_id)
    if own is not None:
        return own
    wanted = (ticket.scope_platform, ticket.scope_id)
    for grant in who.grants:
        if scope_of(request, grant.community_platform, grant.community_id) == wanted:
            return grant
    return None


def ticket_item(ticket: Ticket, last: str) -> Item:
    return Item(
        kind="ticket",
        id=ticket.id,
        platform=ticket.member_platform,
        community=ticket.community_title or ticket.community_id,
        status=str(ticket.status),
        who=ticket.member_name,
        summary=last[:300],
        reason="",
        claimed_by=ticket.claimed_by_name or "",
        updated_at=ticket.last_activity_at,
        url=f"/tickets/{ticket.id}",
    )


async def ticket_items(request: web.Request, who: Viewer, filters: Filters) -> list[Item]:
    scopes = {
        scope_of(request, platform, community_id)
        for platform, community_id, _title in who.communities
        if not filters.community or f"{platform}:{community_id}" == filters.community
    }
    if not scopes or filters.kind not in ("", "ticket"):
        return []
    found: list[Item] = []
    async with read_tx(request) as tx:
        store = SqlTicketStore(tx)
        for ticket in await store.listed(scopes, STATUS_FILTERS[filters.status], LIMIT):
            if filters.platform and ticket.member_platform != filters.platform:
                continue
            if filters.community and grant_for(request, who, ticket) is None:
                continue
            last = await store.messages(ticket.id, last=1)
            found.append(ticket_item(ticket, last[-1].text if last else ""))
    return found


async def _visible_ticket(request: web.Request, who: Viewer) -> tuple[Ticket, Grant]:
    try:
        ticket_id = int(request.match_info["ticket"])
    except ValueError:
        raise web.HTTPNotFound() from None
    async with read_tx(request) as tx:
        ticket = await SqlTicketStore(tx).get(ticket_id)
    grant = grant_for(request, who, ticket) if ticket is not None else None
    if ticket is None or grant is None:
        raise web.HTTPNotFound(text="There is no such ticket.")
    return ticket, grant


async def _ticket_page(
    request: web.Request, who: Viewer, ticket: Ticket, answer: list[str] | None, *, done: bool
) -> web.Response:
    async with read_tx(request) as tx:
        store = SqlTicketStore(tx)
        messages = await store.messages(ticket.id)
        history = await store.audit_log(ticket.id)
    return render(
        request,
        "ticket.html",
        language=who.language,
        viewer=who,
        csrf=who.session.csrf,
        ticket=ticket,
        messages=messages,
        history=history,
        answer=answer,
        done=done,
        status_names=STATUS_NAMES,
    )


async def ticket_page(request: web.Request) -> web.Response:
    who = await viewer(request)
    ticket, _grant = await _visible_ticket(request, who)
    return await _ticket_page(request, who, ticket, None, done=False)


async def act_on_ticket(request: web.Request) -> web.Response:
    who, form = await posted(request)
    ticket, grant = await _visible_ticket(request, who)
    action = str(form.get("action", ""))
    if action not in TICKET_ACTIONS:
        raise web.HTTPBadRequest(text="unknown action")
    nonce = actions.form_nonce(form)
    argv = [str(ticket.id), action]
    if action == "reply":
        text = str(form.get("text", "")).strip()[: MAX_NOTE * 4]
        if form.get("named"):
            argv.insert(0, "--named")
        argv += [text] if text else []  # the rest of /ticket is taken as it is
    answer = await actions.submit(request, who, grant, nonce, "ticket", argv)
    ticket, _grant = await _visible_ticket(request, who)
    return await _ticket_page(request, who, ticket, answer, done=True)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/tickets/{ticket}", ticket_page)
    app.router.add_post("/tickets/{ticket}", act_on_ticket)
