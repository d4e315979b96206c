"""What an event looks like: pure functions of the event and its answers, shared by every
post of an event (:mod:`core.calendar.feature`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime, timedelta

from townsquare.core.actions import Button, ButtonRows, ButtonStyle
from townsquare.core.calendar.recurrence import Repeat
from townsquare.core.calendar.rules import CheckIn, Choice, RemindersOff, RsvpButton, Status
from townsquare.core.calendar.store import CalendarEvent, Counts, Rsvp, counts
from townsquare.core.calendar.times import when
from townsquare.core.i18n import Translator, _
from townsquare.core.text import Text, TextLike, bold, compose, italicise, join, lines

REPEATS = {
    Repeat.DAILY: _("repeats daily"),
    Repeat.WEEKLY: _("repeats weekly"),
    Repeat.MONTHLY: _("repeats monthly"),
}
CHOICES = {Choice.GOING: _("Going"), Choice.MAYBE: _("Maybe"), Choice.NO: _("Can't go")}
MAX_NAMES = 40
"""Names listed per answer in ``/event <id>``; the rest are counted."""


def duration_text(duration: timedelta) -> str:
    """``1h``, ``1h30m``, ``2d``: the way ``--duration`` is typed."""
    minutes = int(duration.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if minutes else []
    return "".join(parts) or "0m"


def headline(event: CalendarEvent, tr: Translator) -> Text:
    return compose("📅 #{id} {title}", id=str(event.id), title=bold(event.title))


def card(event: CalendarEvent, counted: Counts, tr: Translator, now: datetime) -> Text:
    """The event's post: what, when, where, and the live count."""
    rows: list[TextLike] = [
        headline(event, tr),
        compose(
            "🕒 {when} · {duration}",
            when=when(event.starts_at, event.tz, tr),
            duration=duration_text(event.details.duration),
        ),
    ]
    if event.details.where:
        rows.append(compose("📍 {where}", where=event.details.where))
    rows.append(tally(event, counted, tr))
    status: list[TextLike] = []
    if event.repeat is not None:
        status.append(tr(REPEATS[event.repeat]))
    if event.cancelled_at is not None:
        status.append(tr(_("cancelled")))
    elif now >= event.starts_at:
        status.append(tr(_("started")))
    elif now >= event.closes_at:
        status.append(tr(_("answers are closed")))
    elif event.details.cutoff:
        status.append(
            compose(tr(_("answers close {when}")), when=when(event.closes_at, event.tz, tr))
        )
    if status:
        rows.append(italicise(join(status, " · ")))
    return lines(*rows)


def tally(event: CalendarEvent, counted: Counts, tr: Translator) -> Text:
    going = counted.of(Status.GOING)
    capacity = event.details.capacity
    parts: list[TextLike] = [
        tr(_("✅ {n} going"), n=going)
        if capacity is None
        else tr(_("✅ {n} of {capacity} going"), n=going, capacity=capacity),
        tr(_("🤔 {n} maybe"), n=counted.of(Status.MAYBE)),
        tr(_("❌ {n} can't go"), n=counted.of(Status.NO)),
    ]
    waiting = counted.of(Status.WAITING)
    if waiting:
        parts.append(tr(_("⏳ {n} waiting"), n=waiting))
    if event.interested:
        parts.append(tr(_("⭐ {n} interested on Discord"), n=event.interested))
    return join(parts, " · ")


def buttons(event: CalendarEvent, tr: Translator) -> ButtonRows:
    """Going / Maybe / Can't go; where a platform has no buttons, the commands to type."""
    styles = {Choice.GOING: ButtonStyle.PRIMARY, Choice.MAYBE: ButtonStyle.DEFAULT}
    return (
        tuple(
            Button(
                tr(CHOICES[choice]),
                RsvpButton(event.id, choice).pack(),
                styles.get(choice, ButtonStyle.DEFAULT),
                fallback=f"/event rsvp {event.id} {choice.value}",
            )
            for choice in Choice
        ),
    )


def reminder_buttons(event: CalendarEvent, tr: Translator) -> ButtonRows:
    return (
        (
            Button(
                tr(_("No more reminders")),
                RemindersOff(event.id).pack(),
                fallback=f"/event remind {event.id} off",
            ),
        ),
    )


def checkin_buttons(event: CalendarEvent, tr: Translator) -> ButtonRows:
    """ "I'm here"; where buttons are missing, the command with the code the room is shown."""
    return (
        (
            Button(
                tr(_("I'm here")),
                CheckIn(event.id).pack(),
                ButtonStyle.PRIMARY,
                fallback=f"/event checkin {event.id} <code>",
            ),
        ),
    )


def details(event: CalendarEvent, rsvps: Sequence[Rsvp], tr: Translator, now: datetime) -> Text:
    """``/event <id>``: the card, who is going, and the waitlist in its order."""
    rows: list[TextLike] = [card(event, counts(rsvps), tr, now)]
    for status, title in (
        (Status.GOING, _("Going:")),
        (Status.MAYBE, _("Maybe:")),
        (Status.WAITING, _("Waitlist:")),
    ):
        names = [rsvp.display_name for rsvp in rsvps if rsvp.status is status]
        if not names:
            continue
        if status is Status.WAITING:
            names = [f"{number}. {name}" for number, name in enumerate(names, 1)]
        shown = ", ".join(names[:MAX_NAMES])
        if len(names) > MAX_NAMES:
            shown += " " + tr(_("and {n} more"), n=len(names) - MAX_NAMES)
        rows.append(compose("{title} {names}", title=bold(tr(title)), names=shown))
    rows.append(tr(_("/event ics {id} puts it in your calendar."), id=event.id))
    return lines(*rows)


def listing(events: Sequence[CalendarEvent], tr: Translator) -> Text:
    """``/events``: the upcoming ones, soonest first."""
    if not events:
        return lines(tr(_("No upcoming events.")))
    rows: list[TextLike] = [bold(tr(_("Upcoming events:")))]
    for event in events:
        line = compose(
            "#{id} {title} — {when}",
            id=str(event.id),
            title=bold(event.title),
            when=when(event.starts_at, event.tz, tr),
        )
        if event.repeat is not None:
            line = line + compose(" ({repeat})", repeat=tr(REPEATS[event.repeat]))
        rows.append(line)
    rows.append(tr(_("/event and an id shows one, e.g. /event {id}"), id=events[0].id))
    return lines(*rows)


def export_csv(event: CalendarEvent, rsvps: Sequence[Rsvp]) -> str:
    """One row per answer, in the order people asked to go: the answer, the waitlist
    place (for those waiting), the name, the account and when they answered (UTC).
    Managers get it privately as ``event-<id>.csv`` (UTF-8, RFC 4180 line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["answer", "waitlist", "name", "platform", "user_id", "answered_at"])
    place = 0
    for rsvp in rsvps:
        waiting = ""
        if rsvp.status is Status.WAITING:
            place += 1
            waiting = str(place)
        answered = rsvp.answered_at.isoformat() if rsvp.answered_at is not None else ""
        writer.writerow(
            [rsvp.status.value, waiting, rsvp.display_name, rsvp.platform, rsvp.user_id, answered]
        )
    return buffer.getvalue()
