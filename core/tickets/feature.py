"""Tickets: private member <-> team conversations, one card each in the managers' inbox.

* A plain direct message to the bot, or ``/ticket <text>`` anywhere (answered privately;
  the command deleted from a group where the bot may), opens the member's ticket or adds
  to it (:mod:`.member`, which also says how a direct message finds its community).
* The ticket is one card in the community's managers' inbox (:mod:`core.inbox`: the
  ``/managers here`` chat or ``[defaults] escalate_to``, on any platform), edited in
  place as messages come (the delivery worker coalesces the edits); it shows the last
  messages and counts the earlier ones (:mod:`.card`).
* Managers answer by replying to the card (a Telegram or Discord reply, a Slack thread
  reply) or with ``/ticket <id> reply <text>``; the member receives the answer privately
  on their own platform, signed as the team (``--named``: with the manager's name).
  ``/ticket <id> claim|close``, the card's Claim and Close buttons, ``/ticket <id>``
  (the whole conversation and its history), ``/tickets [all]``,
  ``/tickets autoclose <hours>`` (:mod:`.manage`).
* A ticket quiet for ``autoclose_hours`` (default 72) is closed and the member told (a
  durable job, moved on by every message). Every action is in the ticket's audit log;
  the first answer's time is stored and published (:class:`~core.facts.TicketAnswered`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from townsquare.core.commands import Invocation
from townsquare.core.events import JobDue, MessagePosted
from townsquare.core.features import Context, Feature, command, job, on, pressed, resolves
from townsquare.core.features import subcommand as subcommand_of
from townsquare.core.i18n import _
from townsquare.core.persons import PersonDirectory, account_platform
from townsquare.core.privacy import KeepsPersonalData
from townsquare.core.roles import Role
from townsquare.core.scope import IdRef, parse_id
from townsquare.core.text import as_text
from townsquare.core.tickets import manage
from townsquare.core.tickets.common import (
    Refused,
    Services,
    StoreFactory,
    privately,
    with_files,
)
from townsquare.core.tickets.member import member_writes
from townsquare.core.tickets.specs import (
    AUTOCLOSE_JOB,
    MAX_AUTOCLOSE_HOURS,
    TICKET_ID,
    TICKET_SPEC,
    TICKETS_SPEC,
    TicketAction,
    TicketButton,
    TicketSettings,
)
from townsquare.core.tickets.store import Seen, Ticket

UNREADABLE = _("I could not read that answer to ticket #{id}; send /ticket {id} reply <text>.")
SEEN_REFRESH = timedelta(hours=6)
"""How often an account's last community is written again while it stays the same."""
SEEN_CACHE = 100_000


def split_named(text: str) -> tuple[str, bool]:
    """``--named`` at either end of an answer signs it with the manager's name."""
    words = text.strip()
    for flag in ("--named", "—named"):
        if words == flag:
            return "", True
        if words.startswith(flag + " "):
            return words[len(flag) :].strip(), True
        if words.endswith(" " + flag):
            return words[: -len(flag)].strip(), True
    return words, False


class Tickets(KeepsPersonalData, Feature):
    name = "tickets"
    settings_models = (TicketSettings,)

    def __init__(self, store: StoreFactory, *, people: PersonDirectory | None = None) -> None:
        self.store = store
        self.services = Services(store, self.find, people)
        self._seen: dict[tuple[str, str], tuple[str, datetime]] = {}

    # -- where members write ------------------------------------------------------------------

    async def _note_seen(self, ctx: Context) -> None:
        event = ctx.event
        actor, community, channel = event.actor, event.community, event.channel
        if actor is None or actor.is_bot or community is None:
            return
        if channel is None or channel.is_direct:
            return
        platform = account_platform(event.platform)
        key = (platform, actor.user_id)
        known = self._seen.get(key)
        if known is not None and known[0] == community.id and ctx.now - known[1] < SEEN_REFRESH:
            return
        seen = Seen(bot=ctx.bot.name, community_id=community.id, community_title=community.title)
        await self.store(ctx.tx).note_seen(platform, actor.user_id, seen, ctx.now)
        now = ctx.now

        def remember() -> None:
            if len(self._seen) >= SEEN_CACHE:
                self._seen.clear()
            self._seen[key] = (community.id, now)

        ctx.after_commit(remember)

    @on(MessagePosted)
    async def posted(self, event: MessagePosted, ctx: Context) -> None:
        actor, channel = event.actor, event.channel
        if actor is None or actor.is_bot or channel is None:
            return
        if channel.is_direct:
            text = with_files(
                event.text, event.attachments, account_platform(event.platform), ctx.tr
            )
            if text:
                await member_writes(self.services, ctx, text)
            return
        await self._note_seen(ctx)
        await self._answer_on_card(event, ctx)

    async def _answer_on_card(self, event: MessagePosted, ctx: Context) -> None:
        """A reply to a ticket's card in its inbox (or in the card's Slack thread)."""
        channel = event.channel
        assert channel is not None
        author = event.reply_to_author
        to_bot = event.reply_to is not None and (author is None or author.is_bot)
        ids = [event.reply_to.message_id] if event.reply_to is not None and to_bot else []
        if channel.thread_id:
            ids.append(channel.thread_id)
        if not ids:
            return
        store = self.store(ctx.tx)
        if not await store.has_inbox(ctx.bot.name, channel.id):
            return
        ticket = await store.for_card(ctx.bot.name, ids)
        if ticket is None:
            return
        platform = account_platform(event.platform)
        text, named = split_named(event.text)
        text = with_files(text, event.attachments, platform, ctx.tr)
        if not text:  # Discord without the message-content intent sends replies empty
            if ctx.role >= Role.MANAGER:
                privately(ctx, ctx.tr(UNREADABLE, id=ticket.id))
            return
        try:  # the card's edit shows the answer in the inbox: nothing more is said there
            await manage.act(self.services, ctx, ticket, TicketAction.REPLY, text, named=named)
        except Refused as refusal:
            privately(ctx, refusal.text)

    # -- commands -----------------------------------------------------------------------------

    @command(TICKET_SPEC)
    async def ticket(self, invocation: Invocation, ctx: Context) -> None:
        raw = invocation.args.get("text")
        text = raw if isinstance(raw, str) else ""
        first, _space, rest = text.strip().partition(" ")
        word, _space, body = rest.strip().partition(" ")
        action = TicketAction.parse(word) if word else None
        managing = parse_id(first) is not None and (action is not None or not rest.strip())
        if not managing or (action is None and ctx.role < Role.MANAGER):
            await member_writes(self.services, ctx, text)
            return
        tr = ctx.tr
        try:
            if ctx.role < Role.MANAGER:
                raise Refused(tr(manage.ONLY_MANAGERS))
            ticket = await manage.find(self.services, ctx, first)
            if action is None:
                await manage.authorize(ctx, ticket)
                ctx.respond(await manage.show(ctx, self.store(ctx.tx), ticket))
                return
            body, named = split_named(body)
            named = named or invocation.flag("named")
            answer = await manage.act(self.services, ctx, ticket, action, body, named=named)
        except Refused as refusal:
            ctx.respond(refusal.text)
            return
        if answer is not None:
            ctx.respond(answer)

    @command(TICKETS_SPEC)
    async def tickets(self, invocation: Invocation, ctx: Context) -> None:
        ctx.respond(await manage.listed(self.services, ctx, invocation.args.get("which")))

    @subcommand_of("tickets", "autoclose")
    async def autoclose_setting(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        raw = str(invocation.args.get("hours") or "").strip().lower().removesuffix("h")
        hours = 0 if raw in ("off", "0") else int(raw) if raw.isdigit() else -1
        if not 0 <= hours <= MAX_AUTOCLOSE_HOURS:
            ctx.respond(
                tr(
                    _("Write hours from 0 (never) to {most}, e.g. /tickets autoclose 72."),
                    most=MAX_AUTOCLOSE_HOURS,
                )
            )
            return
        await ctx.update_settings(TicketSettings, autoclose_hours=hours)
        if hours:
            ctx.respond(tr(_("Tickets now close after {n} quiet hours."), n=hours))
        else:
            ctx.respond(tr(_("Tickets no longer close by themselves.")))

    @pressed(TicketButton)
    async def button(self, button: TicketButton, ctx: Context) -> None:
        press = ctx.press
        store = self.store(ctx.tx)
        ticket = await store.get(button.ticket_id)
        message = press.message
        on_card = False
        if ticket is not None and message is not None and ticket.inbox_bot == press.bot:
            carded = await store.for_card(press.bot, [message.message_id])
            on_card = carded is not None and carded.id == ticket.id
            if carded is None:  # the card's id is not stored yet: its chat must match
                on_card = message.channel.id == ticket.inbox_channel
        if ticket is None or not on_card or button.action is TicketAction.REPLY:
            ctx.answer()
            return
        try:
            answer = await manage.act(self.services, ctx, ticket, button.action)
        except Refused as refusal:
            ctx.answer(refusal.text.plain()[:190], alert=True)
            return
        ctx.answer(as_text(answer).plain()[:190] if answer is not None else "")

    # -- ids, jobs ----------------------------------------------------------------------------

    @resolves(TICKET_ID)
    async def _ticket(self, ticket_id: int, ctx: Context) -> Ticket | None:
        return await self.store(ctx.tx).get(ticket_id)

    async def reaches(self, ref: IdRef, thing: Any, ctx: Context) -> bool:
        return isinstance(thing, Ticket) and await manage.reaches(thing, ctx)

    @job(AUTOCLOSE_JOB)
    async def autoclose(self, event: JobDue, ctx: Context) -> None:
        await manage.autoclose(self.services, ctx, event)
