"""The member's side: a direct message to the bot, or ``/ticket <text>`` anywhere, opens
or continues their ticket.

Which community a message belongs to:

* written in a community (``/ticket`` in a group, a channel, a Slack DM, whose workspace
  is known): that community, or its space;
* a Telegram or Discord direct message (no community): the member's ticket that is still
  open, in any community (the most recently active); else the community the account was
  last seen writing in (:meth:`TicketStore.seen`, recorded as members write); else the
  only community the platform has; else the member is asked to write ``/ticket <text>``
  in their community's chat once (answered privately, the command deleted where the
  platform lets the bot), which opens it there.

One open ticket per person and community (or space): linked accounts (``/link``) share
it, and answers go to the account that wrote last, through the bot it wrote to.

A card is never posted in the community's own chat (a Telegram group made its own inbox
with ``/managers here``): every member reads that chat, and a ticket is private; such a
ticket is kept without a card, for ``/tickets``.
"""

from __future__ import annotations

from dataclasses import replace

from townsquare.core.actions import DeleteMessage
from townsquare.core.capabilities import Capability
from townsquare.core.events import CommandIssued
from townsquare.core.facts.tickets import TicketOpened
from townsquare.core.features import Context
from townsquare.core.i18n import _
from townsquare.core.inbox import managers_inbox
from townsquare.core.persons import account_platform
from townsquare.core.refs import Actor, CommunityRef
from townsquare.core.tickets.common import (
    MAX_TEXT,
    Services,
    privately,
    publish_card,
    record,
    schedule_autoclose,
    touched,
)
from townsquare.core.tickets.store import Direction, NewTicket, Ticket, TicketMessage, TicketStore

UNKNOWN_COMMUNITY = _(
    "I do not know which community you mean. Send /ticket and your message in your "
    "community's chat once (I answer privately); after that you can write to me here."
)


async def _persons(
    services: Services, ctx: Context, actor: Actor
) -> tuple[int | None, frozenset[int] | None]:
    """The actor's person and every id it goes by (None, None: no directory wired)."""
    if services.people is None:
        return None, None
    person = await services.people.person_of(
        ctx.tx, account_platform(ctx.event.platform), actor.user_id
    )
    return person, await services.people.aliases(ctx.tx, person)


async def _open_ticket(
    store: TicketStore,
    ctx: Context,
    actor: Actor,
    persons: frozenset[int] | None,
    scope: CommunityRef | None,
) -> Ticket | None:
    if persons is not None:
        return await store.open_of(persons, scope)
    return await store.open_of_account(account_platform(ctx.event.platform), actor.user_id, scope)


async def _community_of_direct(
    store: TicketStore, ctx: Context, actor: Actor
) -> tuple[str, CommunityRef] | None:
    """The bot and community a direct message without a community means (see above)."""
    platform = account_platform(ctx.event.platform)
    seen = await store.seen(platform, actor.user_id)
    if seen is not None and seen.bot in ctx.bots:
        return seen.bot, CommunityRef(platform, seen.community_id, title=seen.community_title)
    only = await store.only_community(platform)
    if only is not None:
        return ctx.bot.name, CommunityRef(platform, only[0], title=only[1])
    return None


async def member_writes(services: Services, ctx: Context, text: str) -> None:
    """``text`` from the event's actor goes into their ticket (opened if need be)."""
    event = ctx.event
    actor = event.actor
    if actor is None or actor.is_bot:
        return
    tr = ctx.tr
    text = text.strip()[:MAX_TEXT]
    store = services.store(ctx.tx)
    person, persons = await _persons(services, ctx, actor)
    community = event.community
    bot = ctx.bot.name
    if community is not None:
        community = CommunityRef(
            account_platform(community.platform), community.id, community.title
        )
        ticket = await _open_ticket(store, ctx, actor, persons, ctx.shared_of(community))
    else:
        ticket = await _open_ticket(store, ctx, actor, persons, None)
        if ticket is None:
            found = await _community_of_direct(store, ctx, actor)
            if found is None:
                privately(ctx, tr(UNKNOWN_COMMUNITY))
                return
            bot, community = found
    if not text:
        if ticket is None:
            privately(ctx, tr(_("Write your message after /ticket, e.g. /ticket I need help.")))
        else:
            privately(
                ctx,
                tr(_("Your ticket #{id} is open; write your message to add to it."), id=ticket.id),
            )
        return
    new = ticket is None
    if ticket is None:
        assert community is not None
        ticket = await _create(store, ctx, bot, community, actor, person)
    ticket = touched(
        ticket,
        ctx,
        member_bot=ctx.bot.name,
        member_platform=account_platform(event.platform),
        member_user_id=actor.user_id,
        member_name=actor.display_name,
        message_count=ticket.message_count + 1,
    )
    await store.add_message(
        TicketMessage(
            ticket_id=ticket.id,
            direction=Direction.MEMBER,
            platform=account_platform(event.platform),
            author_id=actor.user_id,
            author_name=actor.display_name,
            text=text,
            at=ctx.now,
        )
    )
    await store.save(ticket)
    await publish_card(ctx, store, ticket, new=new)
    await schedule_autoclose(ctx, ticket)
    _hide_command(ctx)
    if new:
        await _acknowledge(ctx, ticket)
    elif isinstance(event, CommandIssued):
        privately(ctx, tr(_("Added to your ticket #{id}."), id=ticket.id))


async def _create(
    store: TicketStore,
    ctx: Context,
    bot: str,
    community: CommunityRef,
    actor: Actor,
    person: int | None,
) -> Ticket:
    scope = ctx.shared_of(community)
    ticket = await store.create(
        NewTicket(
            platform=community.platform,
            bot=bot,
            community_id=community.id,
            community_title=community.title,
            scope_platform=account_platform(scope.platform),
            scope_id=scope.id,
            person_id=person,
            member_bot=ctx.bot.name,
            member_platform=account_platform(ctx.event.platform),
            member_user_id=actor.user_id,
            member_name=actor.display_name,
        ),
        ctx.now,
    )
    inbox = await managers_inbox(ctx, community)
    if inbox is not None and not (inbox.bot == bot and inbox.channel.id == community.id):
        ticket = replace(
            ticket,
            inbox_bot=inbox.bot,
            inbox_channel=inbox.channel.id,
            inbox_thread=inbox.channel.thread_id,
        )
    await record(store, ctx, ticket, actor, "opened")
    ctx.publish(
        TicketOpened(
            platform=ticket.platform,
            community_id=ticket.community_id,
            at=ctx.now,
            ticket_id=ticket.id,
            user_id=actor.user_id,
            member_platform=ticket.member_platform,
        )
    )
    return ticket


async def _acknowledge(ctx: Context, ticket: Ticket) -> None:
    tr = ctx.tr
    community = ticket.community_title or ticket.community_id
    if ticket.inbox_bot is None:
        text = tr(
            _(
                "Your message is kept as ticket #{id}. The managers of {community} have no "
                "inbox yet; they see it with /tickets. Their answer comes here."
            ),
            id=ticket.id,
            community=community,
        )
    else:
        text = tr(
            _(
                "Your message went to the managers of {community} as ticket #{id}. Their "
                "answer comes here; write to me here to add more."
            ),
            id=ticket.id,
            community=community,
        )
    privately(ctx, text)


def _hide_command(ctx: Context) -> None:
    """A ``/ticket <text>`` typed in a community's chat is deleted where the bot may:
    the conversation is private."""
    event = ctx.event
    if (
        isinstance(event, CommandIssued)
        and event.interaction_id is None
        and event.message is not None
        and event.channel is not None
        and not event.channel.is_direct
        and ctx.can(Capability.DELETE)
    ):
        ctx.emit(DeleteMessage(bot=ctx.bot.name, message=event.message))
