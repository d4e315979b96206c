"""What the tickets modules share: services, refusals, the private answer, the card's
publication, the audit log and the auto-close job."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from townsquare.core.actions import EditMessage, SendDirect, SendEphemeral, SendMessage
from townsquare.core.capabilities import Capability
from townsquare.core.features import Context, community_translator
from townsquare.core.i18n import Translator, _
from townsquare.core.persons import PersonDirectory, account_platform
from townsquare.core.refs import Actor, Attachment, CommunityRef
from townsquare.core.scope import IdRef
from townsquare.core.text import TextLike, as_text
from townsquare.core.tickets.card import card_buttons, render_card
from townsquare.core.tickets.specs import AUTOCLOSE_JOB, TicketSettings
from townsquare.core.tickets.store import Ticket, TicketAudit, TicketStore

StoreFactory = Callable[[Any], TicketStore]
Find = Callable[[IdRef, object, Context], Awaitable[Any | None]]

MAX_TEXT = 3500
"""The most of one message a ticket keeps (a Telegram message is 4,096 characters)."""


@dataclass(frozen=True, slots=True)
class Services:
    store: StoreFactory
    find: Find
    people: PersonDirectory | None = None


class Refused(Exception):
    """A ticket action that may not happen; ``text`` says why."""

    def __init__(self, message: TextLike) -> None:
        super().__init__(as_text(message).plain())
        self.text = as_text(message)


def same(one: CommunityRef | None, other: CommunityRef) -> bool:
    return one is not None and (account_platform(one.platform), one.id) == (
        account_platform(other.platform),
        other.id,
    )


async def translator_of(ctx: Context, community: CommunityRef) -> Translator:
    """The language of the ticket's community (its card and its notes to the member)."""
    if same(ctx.event.community, community):
        return ctx.tr
    return await community_translator(ctx.tx, community, ctx.default_locale)


def privately(ctx: Context, text: TextLike) -> None:
    """Tell the caller something nobody else may see: an ephemeral answer to a slash
    command where the platform has one, else a direct message (in a direct chat, that is
    the chat itself)."""
    event = ctx.event
    actor = event.actor
    if actor is None:
        return
    if ctx.interaction_id is not None and ctx.can(Capability.EPHEMERAL) and event.channel:
        ctx.emit(
            SendEphemeral(
                bot=ctx.bot.name,
                channel=event.channel,
                user_id=actor.user_id,
                display_name=actor.display_name,
                text=as_text(text),
                interaction_id=ctx.interaction_id,
            )
        )
        return
    channel = event.channel
    if channel is not None and channel.is_direct:
        ctx.reply(text)
        return
    ctx.emit(
        SendDirect(
            bot=ctx.bot.name,
            user_id=actor.user_id,
            display_name=actor.display_name,
            text=as_text(text),
        )
    )


async def publish_card(ctx: Context, store: TicketStore, ticket: Ticket, *, new: bool) -> None:
    """Send the ticket's card to its inbox (``new``), or edit it there."""
    if ticket.inbox_bot is None or ticket.inbox_bot not in ctx.bots:
        return
    channel = ticket.inbox_channel_ref
    if channel is None:
        return
    tr = await translator_of(ctx, ticket.community)
    last = await store.messages(ticket.id, last=5)
    text = render_card(ticket, last, tr)
    buttons = card_buttons(ticket, tr)
    if new:
        ctx.emit(
            SendMessage(
                bot=ticket.inbox_bot, channel=channel, text=text, buttons=buttons, key=ticket.key
            )
        )
    else:
        ctx.emit(EditMessage(bot=ticket.inbox_bot, key=ticket.key, text=text, buttons=buttons))


async def record(
    store: TicketStore,
    ctx: Context,
    ticket: Ticket,
    actor: Actor,
    action: str,
    note: str | None = None,
) -> None:
    await store.audit(
        TicketAudit(
            ticket_id=ticket.id,
            action=action,
            actor_platform=account_platform(ctx.event.platform),
            actor_id=actor.user_id,
            actor_name=actor.display_name,
            at=ctx.now,
            note=note,
        )
    )


async def schedule_autoclose(ctx: Context, ticket: Ticket) -> None:
    """One job per ticket (same key: each activity moves it); none when switched off."""
    after = (await ctx.settings(TicketSettings, ticket.community)).autoclose_after
    key = f"{AUTOCLOSE_JOB}:{ticket.id}"
    if after is None:
        await ctx.tx.cancel_job(key)
        return
    await ctx.tx.schedule(
        kind=AUTOCLOSE_JOB,
        due_at=ticket.last_activity_at + after,
        platform=ticket.platform,
        bot=ticket.bot,
        payload={"ticket": ticket.id},
        community_id=ticket.community_id,
        key=key,
        now=ctx.now,
    )


def closed_note(ticket: Ticket, tr: Translator, *, inactive: bool) -> str:
    community = ticket.community_title or ticket.community_id
    if inactive:
        return tr(
            _(
                "Your ticket #{id} with the team of {community} was closed after a quiet "
                "while. Write to me again any time to open a new one."
            ),
            id=ticket.id,
            community=community,
        )
    return tr(
        _(
            "The team of {community} closed your ticket #{id}. Write to me again any time "
            "to open a new one."
        ),
        id=ticket.id,
        community=community,
    )


def to_member(ctx: Context, ticket: Ticket, text: TextLike) -> None:
    """A private message to the account that last wrote in the ticket, through its bot."""
    if ticket.member_bot not in ctx.bots:
        return
    ctx.emit(
        SendDirect(
            bot=ticket.member_bot,
            user_id=ticket.member_user_id,
            display_name=ticket.member_name,
            text=as_text(text),
        )
    )


def touched(ticket: Ticket, ctx: Context, **changes: Any) -> Ticket:
    return replace(ticket, last_activity_at=ctx.now, **changes)


def with_files(text: str, files: tuple[Attachment, ...], platform: str, tr: Translator) -> str:
    """The message as a ticket keeps it: its text, then a line per file with its link
    where the platform gives one another person can open (Discord, Slack), else a note
    that the file stays where it was sent (Telegram)."""
    parts = [text.strip()] if text.strip() else []
    for item in files[:10]:
        label = " ".join(part for part in (f"📎 {item.kind}", item.name) if part)
        if item.url:
            parts.append(f"{label}: {item.url}")
        else:
            parts.append(
                f"{label} {tr(_('(the file stays on {platform})'), platform=platform.capitalize())}"
            )
    return "\n".join(parts)
