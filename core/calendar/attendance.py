"""What the events feature's handlers share (:class:`EventsBase`: the store, who is
answering, the ids), and its reminders and check-ins (:class:`Attendance`), so
:mod:`core.calendar.feature` keeps to creating, answering, editing and cancelling."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection
from datetime import timedelta
from typing import Any

from townsquare.core.actions import SendDirect, SendMessage
from townsquare.core.calendar import render, rules, steps
from townsquare.core.calendar.rules import CheckIn, RemindersOff
from townsquare.core.calendar.specs import EVENT_ID
from townsquare.core.calendar.store import Account, CalendarEvent, EventStore
from townsquare.core.calendar.times import when
from townsquare.core.capabilities import Capability
from townsquare.core.commands import Invocation
from townsquare.core.events import JobDue
from townsquare.core.facts.events import EventAttended
from townsquare.core.features import Context, Feature, job, pressed, resolves, subcommand
from townsquare.core.i18n import _
from townsquare.core.persons import PersonDirectory
from townsquare.core.privacy import KeepsPersonalData
from townsquare.core.roles import Role
from townsquare.core.text import as_text, bold, compose

StoreFactory = Callable[[Any], EventStore]
CHECKIN_BEFORE = 2
"""Hours before the start from which members may check in (until 12 hours after its end)."""


class EventsBase(KeepsPersonalData, Feature):
    """The store, who answers, and the ids of the events feature."""

    def __init__(self, store: StoreFactory, persons: PersonDirectory | None = None) -> None:
        self.store = store
        self.persons = persons
        """Space events take one answer per person (without it, per account)."""

    def _account(self, ctx: Context) -> Account:
        event, actor = ctx.event, ctx.event.actor
        assert actor is not None
        return Account(
            platform=event.platform,
            bot=ctx.bot.name,
            user_id=actor.user_id,
            display_name=actor.display_name,
            community_id=event.community.id if event.community is not None else None,
            channel_id=event.channel.id if event.channel is not None else None,
        )

    async def _voter(
        self, found: CalendarEvent, ctx: Context, answered: Collection[str] = ()
    ) -> str:
        """The account, or for a space event the person (one answer across platforms):
        the key of the answer they already gave, if they gave one as a person they were
        before linking accounts (:meth:`PersonDirectory.aliases`)."""
        actor = ctx.event.actor
        assert actor is not None
        if found.space is None or self.persons is None:
            return actor.user_id
        person = await self.persons.person_of(ctx.tx, ctx.event.platform, actor.user_id)
        if answered:
            for alias in sorted(await self.persons.aliases(ctx.tx, person)):
                if f"person:{alias}" in answered:
                    return f"person:{alias}"
        return f"person:{person}"

    @resolves(EVENT_ID)
    async def _event(self, event_id: int, ctx: Context) -> CalendarEvent | None:
        return await self.store(ctx.tx).get(event_id)

    async def reaches(self, ref: Any, thing: Any, ctx: Context) -> bool:
        """A space event may be named from every community it was posted to."""
        community = ctx.event.community
        return (
            isinstance(thing, CalendarEvent)
            and community is not None
            and any(
                post.bot == ctx.bot.name and post.community_id == community.id
                for post in thing.elsewhere
            )
        )


class Attendance(EventsBase):
    """Reminders of those going, and check-ins at the event."""

    @job(steps.REMIND_JOB)
    async def remind(self, due: JobDue, ctx: Context) -> None:
        store = self.store(ctx.tx)
        found = await store.get(int(due.payload["event"]))
        if found is None or found.cancelled_at is not None or ctx.now >= found.starts_at:
            return
        for rsvp in await store.rsvps(found.id):
            if rsvp.status is not rules.Status.GOING or not rsvp.reminders:
                continue
            tr = await ctx.translator_of(rsvp.platform, rsvp.community_id)
            text = compose(
                tr(_("⏰ Reminder: #{id} {title} starts {when}.")),
                id=str(found.id),
                title=bold(found.title),
                when=when(found.starts_at, found.tz, tr),
            )
            if found.details.where:
                text = text + compose("\n📍 {where}", where=found.details.where)
            ctx.emit(steps.direct(rsvp, text, render.reminder_buttons(found, tr)))

    @pressed(RemindersOff)
    async def reminders_off(self, data: RemindersOff, ctx: Context) -> None:
        press = ctx.press
        if press.actor is None:
            return
        ctx.answer(await self._reminders(data.event_id, False, ctx))

    @subcommand("event", "remind")
    async def remind_command(self, invocation: Invocation, ctx: Context) -> None:
        state = str(invocation.args["state"]).strip().lower()
        if state not in ("on", "off"):
            ctx.respond(ctx.tr(_("Write on or off.")))
            return
        ctx.respond(await self._reminders(named_event(invocation).id, state == "on", ctx))

    async def _reminders(self, event_id: int, on: bool, ctx: Context) -> str:
        """Only the caller's own answer changes, so a press in a private chat (where
        reminders arrive) needs no community."""
        actor = ctx.event.actor
        assert actor is not None
        store = self.store(ctx.tx)
        rsvp = await store.rsvp_of(event_id, ctx.event.platform, actor.user_id)
        if rsvp is None:
            return ctx.tr(_("You have not answered this event."))
        await store.set_reminders(event_id, rsvp.voter, on)
        if on:
            return ctx.tr(_("Reminders of this event are on."))
        return ctx.tr(_("No more reminders of this event."))

    @subcommand("event", "checkin")
    async def checkin(self, invocation: Invocation, ctx: Context) -> None:
        """With a code, a member checks in; without, a manager opens the check-in: a
        button in the channel, and the code (for members without buttons) privately
        for the manager to show the room."""
        found, tr = named_event(invocation), ctx.tr
        typed = invocation.args.get("code")
        if typed is not None:
            if found.checkin_code is None or code_of(str(typed)) != found.checkin_code:
                ctx.respond(tr(_("That is not the check-in code of event #{id}."), id=found.id))
                return
            ctx.respond(await self._check_in(found, ctx))
            return
        if ctx.role < Role.MANAGER:
            ctx.respond(tr(_("Sorry, only managers can use {command}."), command="/event checkin"))
            return
        code = await self.store(ctx.tx).set_checkin_code(found.id, new_code())
        assert ctx.event.channel is not None
        ctx.emit(
            SendMessage(
                bot=ctx.bot.name,
                channel=ctx.event.channel,
                text=compose(
                    tr(
                        _(
                            "Check in at #{id} {title}: press the button when you are here, "
                            "or type /event checkin {id} and the code shown in the room."
                        )
                    ),
                    id=str(found.id),
                    title=bold(found.title),
                ),
                buttons=render.checkin_buttons(found, tr),
                key=f"event-checkin:{found.id}:{ctx.event.event_id}",
            )
        )
        told = compose(
            tr(_("The check-in code of #{id} is {code}: show it to the room.")),
            id=str(found.id),
            code=bold(code),
        )
        private = ctx.interaction_id is not None and ctx.can(Capability.EPHEMERAL)
        actor = ctx.event.actor
        if private or actor is None or not ctx.can(Capability.DIRECT_MESSAGES):
            ctx.respond(told)
        else:  # a reply would show it in the channel, to those not in the room
            ctx.emit(
                SendDirect(
                    bot=ctx.bot.name,
                    user_id=actor.user_id,
                    display_name=actor.display_name,
                    text=told,
                    fallback_channel=ctx.event.channel,
                    fallback_text=as_text(tr(CODE_NOT_PRIVATE)),
                )
            )

    @pressed(CheckIn)
    async def checked_in(self, data: CheckIn, ctx: Context) -> None:
        found = await self.store(ctx.tx).get(data.event_id)
        if found is None or ctx.press.actor is None or not await self.visible(EVENT_ID, found, ctx):
            ctx.answer(ctx.tr(_("This event no longer exists.")))
            return
        ctx.answer(await self._check_in(found, ctx))

    async def _check_in(self, found: CalendarEvent, ctx: Context) -> str:
        tr = ctx.tr
        opens = found.starts_at - timedelta(hours=CHECKIN_BEFORE)
        if found.cancelled_at is not None:
            return tr(_("This event is cancelled."))
        if not opens <= ctx.now <= found.ends_at + timedelta(hours=12):
            return tr(_("Check-in opens 2 hours before the start."))
        actor = ctx.event.actor
        assert actor is not None
        voter = await self._voter(found, ctx)
        if not await self.store(ctx.tx).check_in(found.id, voter, self._account(ctx), ctx.now):
            return tr(_("You are already checked in."))
        ctx.publish(
            EventAttended(
                platform=ctx.event.platform,
                community_id=ctx.event.community.id if ctx.event.community else None,
                at=ctx.now,
                event_id=found.id,
                user_id=actor.user_id,
            )
        )
        return tr(_("Checked in. Welcome!"))


CODE_NOT_PRIVATE = _(
    "I could not send you the check-in code privately: open a private chat with me, then "
    "ask again with /event checkin."
)
"""Said in the channel instead, without the code (those not in the room must not see it)."""
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""No 0/O or 1/I: a code read off a screen is typed right."""
CODE_LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))


def code_of(typed: str) -> str:
    """A typed code as stored: capitals, without spaces or dashes."""
    return "".join(c for c in typed.upper() if c.isalnum())


def named_event(invocation: Invocation) -> CalendarEvent:
    found = invocation.found["id"]
    assert isinstance(found, CalendarEvent)
    return found
