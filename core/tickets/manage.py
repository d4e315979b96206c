"""The managers' side: answer, claim, close, list, show, and the auto-close job.

Who may act (:func:`authorize`): a manager (platform admin, or ``[defaults] managers``)
of the ticket's community or of another community of its space, or a manager acting in
the ticket's managers' inbox (which may be on another platform). Everyone else is told
only managers may; an id from anywhere else answers as an unknown id would (the
framework's rule, :mod:`core.scope`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import assert_never

from townsquare.core.events import JobDue
from townsquare.core.facts.tickets import TicketAnswered, TicketClosed
from townsquare.core.features import Context
from townsquare.core.i18n import _
from townsquare.core.inbox import managers_inbox
from townsquare.core.persons import account_platform
from townsquare.core.refs import Actor
from townsquare.core.roles import Role
from townsquare.core.text import TextLike, bold, lines
from townsquare.core.tickets.card import (
    answer_for_member,
    audit_line,
    header,
    list_line,
    message_line,
)
from townsquare.core.tickets.common import (
    MAX_TEXT,
    Refused,
    Services,
    closed_note,
    publish_card,
    record,
    same,
    schedule_autoclose,
    to_member,
    touched,
    translator_of,
)
from townsquare.core.tickets.specs import AUTOCLOSE_JOB, TICKET_ID, TicketAction, TicketSettings
from townsquare.core.tickets.store import (
    Direction,
    Ticket,
    TicketMessage,
    TicketStatus,
    TicketStore,
)

ONLY_MANAGERS = _("Only managers can handle tickets.")
INACTIVITY_SLACK = timedelta(seconds=1)


async def in_inbox(ctx: Context, ticket: Ticket) -> bool:
    """The event happened in the ticket's managers' inbox (as stored, or as it is now)."""
    event, channel = ctx.event, ctx.event.channel
    if channel is None:
        return False
    if ticket.inbox_bot == event.bot and ticket.inbox_channel == channel.id:
        return True
    inbox = await managers_inbox(ctx, ticket.community)
    return inbox is not None and inbox.bot == event.bot and inbox.channel.id == channel.id


async def reaches(ticket: Ticket, ctx: Context) -> bool:
    """A ticket is also named from the other communities of its space and its inbox."""
    community = ctx.event.community
    if community is not None and same(ctx.shared_of(community), ticket.scope):
        return True
    return await in_inbox(ctx, ticket)


async def authorize(ctx: Context, ticket: Ticket) -> Actor:
    actor = ctx.event.actor
    if actor is None or ctx.role < Role.MANAGER:
        raise Refused(ctx.tr(ONLY_MANAGERS))
    if await reaches(ticket, ctx) or same(ctx.event.community, ticket.community):
        return actor
    raise Refused(ctx.tr(TICKET_ID.unknown, id=ticket.id))


async def find(services: Services, ctx: Context, raw: str) -> Ticket:
    found = await services.find(TICKET_ID, raw, ctx)
    if not isinstance(found, Ticket):
        raise Refused(ctx.tr(TICKET_ID.unknown, id=raw.removeprefix("#")[:24]))
    return found


async def act(
    services: Services,
    ctx: Context,
    ticket: Ticket,
    action: TicketAction,
    text: str = "",
    *,
    named: bool = False,
) -> TextLike | None:
    """Do ``action``; what the manager is told (None: the card's edit says it)."""
    actor = await authorize(ctx, ticket)
    store = services.store(ctx.tx)
    match action:
        case TicketAction.REPLY:
            return await reply(ctx, store, ticket, actor, text, named=named)
        case TicketAction.CLAIM:
            return await claim(ctx, store, ticket, actor)
        case TicketAction.CLOSE:
            return await close(ctx, store, ticket, actor)
        case _:
            assert_never(action)


async def reply(
    ctx: Context,
    store: TicketStore,
    ticket: Ticket,
    actor: Actor,
    text: str,
    *,
    named: bool,
) -> TextLike:
    tr = ctx.tr
    text = text.strip()[:MAX_TEXT]
    if not text:
        raise Refused(
            tr(_("Write the answer after reply: /ticket {id} reply <text>"), id=ticket.id)
        )
    if ticket.member_bot not in ctx.bots:
        raise Refused(tr(_("Bot {bot} is not running here."), bot=ticket.member_bot))
    first = ticket.first_response_at is None
    reopened = ticket.status.closed
    ticket = touched(
        ticket,
        ctx,
        message_count=ticket.message_count + 1,
        first_response_at=ctx.now if first else ticket.first_response_at,
        status=TicketStatus.OPEN if reopened else ticket.status,
        closed_at=None if reopened else ticket.closed_at,
        closed_inactive=False,
    )
    await store.add_message(
        TicketMessage(
            ticket_id=ticket.id,
            direction=Direction.TEAM,
            platform=account_platform(ctx.event.platform),
            author_id=actor.user_id,
            author_name=actor.display_name,
            text=text,
            at=ctx.now,
            named=named,
        )
    )
    await store.save(ticket)
    if reopened:
        await record(store, ctx, ticket, actor, "reopened")
    await record(store, ctx, ticket, actor, "replied", note=text)
    member_tr = await translator_of(ctx, ticket.community)
    signed = actor.display_name if named else None
    to_member(ctx, ticket, answer_for_member(ticket, text, member_tr, manager=signed))
    await publish_card(ctx, store, ticket, new=False)
    await schedule_autoclose(ctx, ticket)
    seconds = int((ctx.now - ticket.created_at).total_seconds()) if first else None
    ctx.publish(
        TicketAnswered(
            platform=ticket.platform,
            community_id=ticket.community_id,
            at=ctx.now,
            ticket_id=ticket.id,
            manager_id=actor.user_id,
            manager_platform=account_platform(ctx.event.platform),
            first_response_seconds=seconds,
        )
    )
    return tr(_("Sent to {member} (ticket #{id})."), member=ticket.member_name, id=ticket.id)


async def claim(ctx: Context, store: TicketStore, ticket: Ticket, actor: Actor) -> TextLike:
    tr = ctx.tr
    if ticket.status.closed:
        raise Refused(tr(_("Ticket #{id} is closed."), id=ticket.id))
    if ticket.status is TicketStatus.CLAIMED and ticket.claimed_by_id == actor.user_id:
        return tr(_("You already handle ticket #{id}."), id=ticket.id)
    ticket = replace(
        ticket,
        status=TicketStatus.CLAIMED,
        claimed_by_id=actor.user_id,
        claimed_by_name=actor.display_name,
        claimed_by_platform=account_platform(ctx.event.platform),
    )
    await store.save(ticket)
    await record(store, ctx, ticket, actor, "claimed")
    await publish_card(ctx, store, ticket, new=False)
    return tr(_("You handle ticket #{id} now."), id=ticket.id)


async def close(ctx: Context, store: TicketStore, ticket: Ticket, actor: Actor) -> TextLike:
    tr = ctx.tr
    if ticket.status.closed:
        return tr(_("Ticket #{id} is closed."), id=ticket.id)
    ticket = replace(
        ticket,
        status=TicketStatus.CLOSED,
        closed_at=ctx.now,
        closed_by_name=actor.display_name,
        closed_inactive=False,
    )
    await store.save(ticket)
    await record(store, ctx, ticket, actor, "closed")
    await ctx.tx.cancel_job(f"{AUTOCLOSE_JOB}:{ticket.id}")
    member_tr = await translator_of(ctx, ticket.community)
    to_member(ctx, ticket, closed_note(ticket, member_tr, inactive=False))
    await publish_card(ctx, store, ticket, new=False)
    ctx.publish(
        TicketClosed(
            platform=ticket.platform,
            community_id=ticket.community_id,
            at=ctx.now,
            ticket_id=ticket.id,
            manager_id=actor.user_id,
            manager_platform=account_platform(ctx.event.platform),
        )
    )
    return tr(
        _("Ticket #{id} is closed; {member} was told."), id=ticket.id, member=ticket.member_name
    )


async def autoclose(services: Services, ctx: Context, event: JobDue) -> None:
    """The job fell due: close the ticket if nobody wrote in it since it was scheduled."""
    raw = event.payload.get("ticket")
    store = services.store(ctx.tx)
    ticket = await store.get(int(raw)) if isinstance(raw, int) else None
    if ticket is None or ticket.status.closed:
        return
    after = (await ctx.settings(TicketSettings, ticket.community)).autoclose_after
    if after is None or ticket.last_activity_at + after > ctx.now + INACTIVITY_SLACK:
        return  # moved on since (a newer job is due later) or switched off
    ticket = replace(ticket, status=TicketStatus.CLOSED, closed_at=ctx.now, closed_inactive=True)
    await store.save(ticket)
    bot = Actor(f"bot:{ctx.bot.name}", ctx.bot.name, is_bot=True)
    await record(store, ctx, ticket, bot, "auto-closed")
    member_tr = await translator_of(ctx, ticket.community)
    to_member(ctx, ticket, closed_note(ticket, member_tr, inactive=True))
    await publish_card(ctx, store, ticket, new=False)
    ctx.publish(
        TicketClosed(
            platform=ticket.platform,
            community_id=ticket.community_id,
            at=ctx.now,
            ticket_id=ticket.id,
            inactive=True,
        )
    )


async def show(ctx: Context, store: TicketStore, ticket: Ticket) -> TextLike:
    """``/ticket <id>``: the whole conversation and the history."""
    tr = ctx.tr
    messages = await store.messages(ticket.id)
    history = await store.audit_log(ticket.id)
    return lines(
        header(ticket, tr),
        *(message_line(message, tr, limit=None) for message in messages),
        "",
        bold(tr(_("History:"))),
        *(audit_line(entry, tr) for entry in history),
    )


async def listed(services: Services, ctx: Context, which: object) -> TextLike:
    tr = ctx.tr
    event = ctx.event
    scopes: set[tuple[str, str]] = set()
    if event.community is not None:
        shared = ctx.shared_of(event.community)
        scopes.add((account_platform(shared.platform), shared.id))
    statuses = list(TicketStatus) if which == "all" else [TicketStatus.OPEN, TicketStatus.CLAIMED]
    store = services.store(ctx.tx)
    found = await store.listed(scopes, statuses, 30) if scopes else []
    found += [t for t in await _inbox_tickets(ctx, store, statuses) if t not in found]
    if not found:
        return tr(_("No open tickets."))
    return lines(
        bold(tr(_("Tickets:"))),
        *(list_line(ticket, tr) for ticket in found[:30]),
        tr(_("Show one with /ticket <id>.")),
    )


async def _inbox_tickets(
    ctx: Context, store: TicketStore, statuses: list[TicketStatus]
) -> list[Ticket]:
    """In an inbox on another platform: the tickets whose card is in this chat."""
    channel = ctx.event.channel
    if channel is None or not await store.has_inbox(ctx.bot.name, channel.id):
        return []
    return await store.in_inbox(ctx.bot.name, channel.id, statuses, 30)
