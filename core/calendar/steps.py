"""The steps the events feature's handlers share: posting and updating an event's
messages, its durable jobs, and the private messages its members get (each in the
language of the community they answered in)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from townsquare.core.actions import ButtonRows, EditMessage, SendDirect, SendMessage
from townsquare.core.calendar import render
from townsquare.core.calendar.rules import Seat, Status
from townsquare.core.calendar.store import CalendarEvent, Counts, Rsvp
from townsquare.core.calendar.times import when
from townsquare.core.features import Context
from townsquare.core.i18n import _
from townsquare.core.refs import ChannelRef
from townsquare.core.refusals import with_manager_notice
from townsquare.core.text import Text, bold, compose, lines

REMIND_JOB = "events.remind"
START_JOB = "events.start"
CUTOFF_JOB = "events.cutoff"

REFUSED_EVENT = _(
    "I could not post your event #{id} {title}: the platform refused it. Check that I may "
    "post messages with buttons in that channel, then create the event again."
)
GAVE_UP_EVENT = _(
    "I could not post your event #{id} {title}: the platform kept failing, so I stopped "
    "trying. Create the event again later."
)


def counts_of(seats: Iterable[Seat]) -> Counts:
    found: dict[Status, int] = {}
    for seat in seats:
        found[seat.status] = found.get(seat.status, 0) + 1
    return Counts(found)


def open_for_answers(event: CalendarEvent, now: datetime) -> bool:
    return event.cancelled_at is None and now < event.closes_at


async def post(event: CalendarEvent, ctx: Context) -> None:
    """The event's messages, each in its community's language: its own (the manager is
    told if it is refused), and in a space each other community's."""
    for elsewhere in event.elsewhere:
        there = await ctx.translator_of(elsewhere.platform, elsewhere.community_id)
        ctx.emit(
            SendMessage(
                bot=elsewhere.bot,
                channel=ChannelRef(elsewhere.channel_id),
                text=render.card(event, Counts(), there, ctx.now),
                buttons=render.buttons(event, there),
                key=elsewhere.key,
            )
        )
    home = await ctx.translator_of(event.platform, event.community_id)
    own = SendMessage(
        bot=event.bot,
        channel=ChannelRef(event.channel_id, thread_id=event.thread_id),
        text=render.card(event, Counts(), home, ctx.now),
        buttons=render.buttons(event, home),
        key=event.key,
    )
    tr, title = ctx.tr, bold(event.title)  # the notices are for the manager who acted
    ctx.emit(
        with_manager_notice(
            own,
            ctx,
            compose(tr(REFUSED_EVENT), id=str(event.id), title=title),
            compose(tr(GAVE_UP_EVENT), id=str(event.id), title=title),
        )
    )


async def refresh(event: CalendarEvent, counted: Counts, ctx: Context) -> None:
    """Edit every post to the current count, in its community's language (the delivery
    worker keeps only the newest edit of each, so a burst of answers costs one edit per
    rate window)."""
    answering = open_for_answers(event, ctx.now)
    for shown in event.posts:
        there = await ctx.translator_of(shown.platform, shown.community_id)
        keyboard: ButtonRows = render.buttons(event, there) if answering else ()
        text = render.card(event, counted, there, ctx.now)
        ctx.emit(EditMessage(bot=shown.bot, key=shown.key, text=text, buttons=keyboard))


def remind_keys(event_id: int, offsets: Iterable[timedelta]) -> list[str]:
    return [f"event-remind:{event_id}:{int(o.total_seconds() // 60)}" for o in offsets]


def start_key(event_id: int) -> str:
    return f"event-start:{event_id}"


def cutoff_key(event_id: int) -> str:
    return f"event-cutoff:{event_id}"


async def schedule(event: CalendarEvent, ctx: Context) -> None:
    """The event's reminders (those still ahead) and its start, as durable jobs: each
    fires once, after a restart too, whichever process claims it."""
    for offset, key in zip(
        event.details.remind, remind_keys(event.id, event.details.remind), strict=True
    ):
        due = event.starts_at - offset
        if due <= ctx.now:
            continue
        await ctx.tx.schedule(
            kind=REMIND_JOB,
            due_at=due,
            platform=event.platform,
            bot=event.bot,
            payload={"event": event.id, "minutes": int(offset.total_seconds() // 60)},
            community_id=event.community_id,
            channel_id=event.channel_id,
            key=key,
            now=ctx.now,
        )
    if event.details.cutoff and event.closes_at > ctx.now:  # the buttons go at the cutoff
        await ctx.tx.schedule(
            kind=CUTOFF_JOB,
            due_at=event.closes_at,
            platform=event.platform,
            bot=event.bot,
            payload={"event": event.id},
            community_id=event.community_id,
            channel_id=event.channel_id,
            key=cutoff_key(event.id),
            now=ctx.now,
        )
    await ctx.tx.schedule(
        kind=START_JOB,
        due_at=event.starts_at,
        platform=event.platform,
        bot=event.bot,
        payload={"event": event.id},
        community_id=event.community_id,
        channel_id=event.channel_id,
        key=start_key(event.id),
        now=ctx.now,
    )


async def unschedule(event: CalendarEvent, ctx: Context, *, start: bool = True) -> None:
    for key in remind_keys(event.id, event.details.remind):
        await ctx.tx.cancel_job(key)
    await ctx.tx.cancel_job(cutoff_key(event.id))
    if start:
        await ctx.tx.cancel_job(start_key(event.id))


def direct(rsvp: Rsvp, text: Text, buttons: ButtonRows = ()) -> SendDirect:
    """A private message to the member; where it is refused, a post in the channel they
    answered in, mentioning them."""
    return SendDirect(
        bot=rsvp.bot,
        user_id=rsvp.user_id,
        display_name=rsvp.display_name,
        text=text,
        buttons=buttons,
        fallback_channel=ChannelRef(rsvp.channel_id) if rsvp.channel_id else None,
    )


async def tell_promoted(event: CalendarEvent, promoted: Sequence[Rsvp], ctx: Context) -> None:
    for rsvp in promoted:
        tr = await ctx.translator_of(rsvp.platform, rsvp.community_id)
        text = compose(
            tr(_("A seat freed up: you are now going to #{id} {title}, {when}.")),
            id=str(event.id),
            title=bold(event.title),
            when=when(event.starts_at, event.tz, tr),
        )
        ctx.emit(direct(rsvp, text))


async def tell_attendees(
    event: CalendarEvent,
    rsvps: Sequence[Rsvp],
    message: str,
    ctx: Context,
) -> int:
    """Tell everyone who answered Going, Maybe or waits (``message``: a template with
    ``{id}``, ``{title}`` and ``{when}``, translated for each); how many were told."""
    told = 0
    for rsvp in rsvps:
        if rsvp.status is Status.NO:
            continue
        tr = await ctx.translator_of(rsvp.platform, rsvp.community_id)
        text = compose(
            tr(message),
            id=str(event.id),
            title=bold(event.title),
            when=when(event.starts_at, event.tz, tr),
        )
        if event.details.where and event.cancelled_at is None:
            text = lines(text, compose("📍 {where}", where=event.details.where))
        ctx.emit(direct(rsvp, text))
        told += 1
    return told
