"""``/event``, ``/events`` and the event buttons (feature name ``events``).

An event's message is sent under the outbox key ``event:<id>``; every answer emits an
edit of that key, which the delivery worker coalesces like a poll's tally. Answers are
rows read and written under the event's row lock, so the capacity and the waitlist's
order hold with concurrent presses and several processes. Reminders and the start are
durable jobs (:mod:`core.calendar.steps`): they fire once, after restarts too. A
recurring event is a series whose next occurrence is made when the current one starts
or is cancelled alone.
"""

from __future__ import annotations

from dataclasses import replace

from townsquare.core.actions import SendFile
from townsquare.core.calendar import reading, render, rules, steps
from townsquare.core.calendar.attendance import named_event
from townsquare.core.calendar.extras import Extras
from townsquare.core.calendar.ics import ics
from townsquare.core.calendar.mirror import cancel_mirror, create_mirror, update_mirror
from townsquare.core.calendar.recurrence import next_slot
from townsquare.core.calendar.rules import Choice, Outcome, RsvpButton
from townsquare.core.calendar.specs import EVENT, EVENT_ID, EVENTS
from townsquare.core.calendar.store import (
    CalendarEvent,
    Post,
    counts,
    next_order,
)
from townsquare.core.capabilities import Capability
from townsquare.core.commands import Invocation
from townsquare.core.events import JobDue
from townsquare.core.features import Context, command, job, pressed, subcommand
from townsquare.core.i18n import _
from townsquare.core.roles import Role
from townsquare.core.scope import parse_id, press_matches
from townsquare.core.settings import TimeZone
from townsquare.core.spaces import Place
from townsquare.core.text import bold, compose, lines
from townsquare.core.when import zone

TOASTS = {
    Outcome.GOING: _("You are going"),
    Outcome.MAYBE: _("Marked as maybe"),
    Outcome.NO: _("Marked as can't go"),
    Outcome.UNCHANGED: _("That is already your answer"),
}
WAITING = _("It is full: you are number {n} on the waitlist")
CHANGED = _("Event #{id} {title} has changed: it is now {when}.")
CANCELLED = _("Event #{id} {title}, {when}, is cancelled.")


class Events(Extras):
    name = "events"

    # -- creating and showing ---------------------------------------------------------------

    @command(EVENT)
    async def event(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        raw_title = invocation.args.get("title")
        words = invocation.args.get("when") or ()
        if raw_title is None:
            ctx.respond(tr(_('Create one with /event "Title" tomorrow 19:00; /events lists them.')))
            return
        if not words and parse_id(raw_title) is not None:
            found = await self.find(EVENT_ID, raw_title, ctx)
            if found is None:
                ctx.respond(tr(EVENT_ID.unknown, id=str(raw_title).lstrip("#")))
                return
            rsvps = await self.store(ctx.tx).rsvps(found.id)
            ctx.respond(render.details(found, rsvps, tr, ctx.now))
            return
        if ctx.role < Role.MANAGER:
            ctx.respond(tr(_("Sorry, only managers can use {command}."), command="/event"))
            return
        try:
            await self._create(invocation, str(raw_title), " ".join(words), ctx)
        except reading.Refused as refused:
            ctx.respond(str(refused))

    async def _create(
        self, invocation: Invocation, raw_title: str, when_text: str, ctx: Context
    ) -> None:
        tr = ctx.tr
        options = invocation.options
        title = reading.title(raw_title, tr)
        tz = reading.time_zone(options.get("tz"), (await ctx.settings(TimeZone)).tz, tr)
        details = reading.details(options, replace(reading.DEFAULTS, title=title), tr)
        repeat = reading.repeat(options.get("repeat"), tr)
        start = reading.start(when_text, tz, ctx.now, tr)
        space = ctx.space if invocation.flag("space") else None
        if invocation.flag("space") and space is None:
            raise reading.Refused(
                tr(_("This community is in no space, so --space has nowhere to post."))
            )
        event, actor = ctx.event, ctx.event.actor
        assert event.channel is not None and actor is not None
        store = self.store(ctx.tx)
        series_id = None
        if repeat is not None:
            series = await store.create_series(
                repeat=repeat, anchor=start.local, tz=tz, details=details, now=ctx.now
            )
            series_id = series.id
        created = await store.create(
            platform=event.platform,
            bot=event.bot,
            community_id=ctx.community.id,
            channel_id=event.channel.id,
            thread_id=event.channel.thread_id,
            details=details,
            starts_at=start.at,
            tz=tz,
            created_by=actor.user_id,
            now=ctx.now,
            space=space.name if space is not None else None,
            series_id=series_id,
            slot=start.at if repeat is not None else None,
            mirror=True,
        )
        if space is not None:
            here = (ctx.bot.name, ctx.community.id)
            places = [p for p in space.places if (p.bot, p.community_id) != here]
            platforms = {name: bot.platform for name, bot in ctx.bots.items()}
            created = await store.add_posts(
                created, [p for p in places if p.bot in platforms], platforms
            )
        created = replace(created, repeat=repeat)
        await steps.post(created, ctx)
        create_mirror(created, ctx, tell=True)
        await steps.schedule(created, ctx)

    @command(EVENTS)
    async def events(self, invocation: Invocation, ctx: Context) -> None:
        found = await self.store(ctx.tx).upcoming(ctx.bot.name, ctx.community.id, ctx.now, 10)
        listed = render.listing(found, ctx.tr)
        if self.feeds_url is not None:
            private = ctx.interaction_id is not None and ctx.can(Capability.EPHEMERAL)
            mine = await self.personal_feed(ctx) if private else None
            hint = ctx.tr(_("/event feed sends you your calendar feed URL privately."))
            listed = lines(listed, mine if mine is not None else hint)
        ctx.respond(listed)

    @subcommand("event", "ics")
    async def calendar_file(self, invocation: Invocation, ctx: Context) -> None:
        found = named_event(invocation)
        actor = ctx.event.actor
        assert actor is not None
        ctx.emit(
            SendFile(
                bot=ctx.bot.name,
                filename=f"event-{found.id}.ics",
                data=ics(found, ctx.now),
                mime_type="text/calendar",
                caption=compose(
                    "{head} {title}",
                    head=ctx.tr(_("Event #{id} for your calendar:"), id=found.id),
                    title=bold(found.title),
                ),
                user_id=actor.user_id,
                display_name=actor.display_name,
                fallback_channel=ctx.event.channel,
            )
        )
        mine = await self.personal_feed(ctx)
        if mine is not None:
            self.tell_privately(ctx, mine)

    @subcommand("event", "export")
    async def export(self, invocation: Invocation, ctx: Context) -> None:
        found = named_event(invocation)
        rsvps = await self.store(ctx.tx).rsvps(found.id)
        actor = ctx.event.actor
        assert actor is not None
        ctx.emit(
            SendFile(
                bot=ctx.bot.name,
                filename=f"event-{found.id}.csv",
                data=render.export_csv(found, rsvps).encode("utf-8"),
                mime_type="text/csv",
                caption=compose(
                    "{head} {title}",
                    head=ctx.tr(_("Event #{id} answers as CSV:"), id=found.id),
                    title=bold(found.title),
                ),
                user_id=actor.user_id,
                display_name=actor.display_name,
                fallback_channel=ctx.event.channel,
            )
        )

    # -- answers ------------------------------------------------------------------------------

    @pressed(RsvpButton)
    async def answered(self, data: RsvpButton, ctx: Context) -> None:
        press = ctx.press
        found = await self.store(ctx.tx).get(data.event_id)
        if (
            found is None
            or press.actor is None
            or not await self.visible(EVENT_ID, found, ctx)
            or not any(press_matches(press, p.bot, p.channel_id, p.message) for p in found.posts)
        ):
            ctx.answer(ctx.tr(_("This event no longer exists.")))
            return
        ctx.answer(await self._answer(found, data.choice, ctx))

    @subcommand("event", "rsvp")
    async def rsvp(self, invocation: Invocation, ctx: Context) -> None:
        try:
            choice = Choice(str(invocation.args["answer"]).strip().lower())
        except ValueError:
            ctx.respond(ctx.tr(_("Answer going, maybe or no.")))
            return
        ctx.respond(await self._answer(named_event(invocation), choice, ctx))

    async def _answer(self, found: CalendarEvent, choice: Choice, ctx: Context) -> str:
        tr = ctx.tr
        if found.cancelled_at is not None:
            return tr(_("This event is cancelled."))
        if not steps.open_for_answers(found, ctx.now):
            return tr(_("Answers to this event are closed."))
        store = self.store(ctx.tx)
        locked = await store.get(found.id, lock=True)
        assert locked is not None
        rsvps = await store.rsvps(found.id)
        voter = await self._voter(found, ctx, {rsvp.voter for rsvp in rsvps})
        seats = {rsvp.voter: rsvp.seat for rsvp in rsvps}
        capacity = found.details.capacity
        answer = rules.respond(seats, voter, choice, capacity, next_order(rsvps))
        if answer.outcome is Outcome.STILL_WAITING:
            place = rules.waitlist(seats).index(voter) + 1
            return tr(WAITING, n=place)
        if answer.outcome is Outcome.UNCHANGED:
            return tr(TOASTS[Outcome.UNCHANGED])
        await store.answer(
            found.id, voter, self._account(ctx), answer.status, answer.order, ctx.now
        )
        await store.promote(found.id, answer.promoted)
        after = rules.apply(seats, voter, answer)
        await steps.refresh(found, steps.counts_of(after.values()), ctx)
        promoted = [rsvp for rsvp in rsvps if rsvp.voter in answer.promoted]
        await steps.tell_promoted(found, promoted, ctx)
        if answer.outcome is Outcome.WAITLISTED:
            return tr(WAITING, n=rules.waitlist(after).index(voter) + 1)
        return tr(TOASTS[answer.outcome])

    # -- the start, editing and cancelling ----------------------------------------------------

    @job(steps.CUTOFF_JOB)
    async def cut_off(self, due: JobDue, ctx: Context) -> None:
        """Answers close: the posts lose their buttons and say so."""
        store = self.store(ctx.tx)
        found = await store.get(int(due.payload["event"]))
        if found is not None and found.cancelled_at is None:
            await steps.refresh(found, counts(await store.rsvps(found.id)), ctx)

    @job(steps.START_JOB)
    async def started(self, due: JobDue, ctx: Context) -> None:
        store = self.store(ctx.tx)
        found = await store.get(int(due.payload["event"]))
        if found is None or found.cancelled_at is not None:
            return
        await steps.refresh(found, counts(await store.rsvps(found.id)), ctx)
        await self._next_occurrence(found, ctx)

    async def _next_occurrence(self, found: CalendarEvent, ctx: Context) -> None:
        """Make the series' next occurrence, if the series goes on."""
        if found.series_id is None:
            return
        store = self.store(ctx.tx)
        series = await store.series(found.series_id)
        if series is None or series.ended:
            return
        after = max(found.slot or found.starts_at, ctx.now)
        slot = next_slot(series.repeat, series.anchor, zone(series.tz), after)
        created = await store.create(
            platform=found.platform,
            bot=found.bot,
            community_id=found.community_id,
            channel_id=found.channel_id,
            thread_id=found.thread_id,
            details=series.details,
            starts_at=slot,
            tz=series.tz,
            created_by=found.created_by,
            now=ctx.now,
            space=found.space,
            series_id=series.id,
            slot=slot,
            mirror=found.mirror,
        )
        if found.elsewhere:
            platforms = {post.bot: post.platform for post in found.elsewhere}
            places = [_place(post) for post in found.elsewhere]
            created = await store.add_posts(created, places, platforms)
        await steps.post(created, ctx)
        create_mirror(created, ctx)
        await steps.schedule(created, ctx)

    @subcommand("event", "edit")
    async def edit(self, invocation: Invocation, ctx: Context) -> None:
        found, tr = named_event(invocation), ctx.tr
        if found.cancelled_at is not None:
            ctx.respond(tr(_("Event #{id} is cancelled."), id=found.id))
            return
        options = invocation.options
        store = self.store(ctx.tx)
        try:
            changed = reading.details(options, found.details, tr)
            raw_when = options.get("when")
            start = (
                reading.start(raw_when, found.tz, ctx.now, tr)
                if isinstance(raw_when, str)
                else None
            )
        except reading.Refused as refused:
            ctx.respond(str(refused))
            return
        series = await store.series(found.series_id) if found.series_id is not None else None
        whole = invocation.flag("series") and series is not None and not series.ended
        starts_at = start.at if start is not None else found.starts_at
        slot = starts_at if whole and start is not None else found.slot
        await steps.unschedule(found, ctx)
        await store.update(found.id, details=changed, starts_at=starts_at, slot=slot)
        if whole and series is not None:
            # Moved with --when --series: it repeats from its new wall-clock time.
            anchor = start.local if start is not None else None
            await store.update_series(series.id, details=changed, anchor=anchor)
        edited = replace(found, details=changed, starts_at=starts_at, slot=slot)
        await steps.schedule(edited, ctx)
        rsvps = await store.rsvps(found.id)
        seats = {rsvp.voter: rsvp.seat for rsvp in rsvps}
        promoted = rules.promotions(seats, changed.capacity)
        if promoted:
            await store.promote(found.id, promoted)
            rsvps = await store.rsvps(found.id)
        await steps.tell_promoted(edited, [r for r in rsvps if r.voter in promoted], ctx)
        await steps.refresh(edited, counts(rsvps), ctx)
        update_mirror(edited, ctx)
        told = 0
        if edited.starts_at != found.starts_at or changed.where != found.details.where:
            others = [r for r in rsvps if r.voter not in promoted]
            told = await steps.tell_attendees(edited, others, CHANGED, ctx)
        ctx.respond(
            tr.plural(
                _("Event #{id} changed; {n} person told."),
                _("Event #{id} changed; {n} people told."),
                told,
                id=found.id,
            )
        )

    @subcommand("event", "cancel")
    async def cancel(self, invocation: Invocation, ctx: Context) -> None:
        found, tr = named_event(invocation), ctx.tr
        store = self.store(ctx.tx)
        series = await store.series(found.series_id) if found.series_id is not None else None
        whole = invocation.flag("series") and series is not None
        if not await store.cancel(found.id, ctx.now):
            if whole and series is not None and not series.ended:
                await store.end_series(series.id, ctx.now)
                ctx.respond(tr(_("The series of event #{id} ends."), id=found.id))
                return
            ctx.respond(tr(_("Event #{id} is already cancelled."), id=found.id))
            return
        cancelled = replace(found, cancelled_at=ctx.now)
        await steps.unschedule(found, ctx)
        rsvps = await store.rsvps(found.id)
        await steps.refresh(cancelled, counts(rsvps), ctx)
        cancel_mirror(cancelled, ctx)
        told = await steps.tell_attendees(cancelled, rsvps, CANCELLED, ctx)
        if whole and series is not None:
            await store.end_series(series.id, ctx.now)
        elif series is not None and not series.ended:
            await self._next_occurrence(cancelled, ctx)
        ctx.respond(
            tr.plural(
                _("Event #{id} cancelled; {n} person told."),
                _("Event #{id} cancelled; {n} people told."),
                told,
                id=found.id,
            )
        )


def _place(post: Post) -> Place:
    assert post.community_id is not None
    return Place(bot=post.bot, community_id=post.community_id, channel_id=post.channel_id)
