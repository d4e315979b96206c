"""The ``/event`` and ``/events`` commands as declared (their handlers are in
:mod:`core.calendar.feature`).

``/event`` itself is open to members so that ``/event 12``, ``/event ics 12``,
``/event rsvp 12 going`` and ``/event checkin 12 <code>`` work for them; creating one
(``/event "Title" <when>``) and opening a check-in are checked for the manager role by
their handlers, with the dispatcher's own refusal.
"""

from __future__ import annotations

from townsquare.core.commands import CommandSpec, Option, Param
from townsquare.core.i18n import _
from townsquare.core.roles import Role
from townsquare.core.scope import IdRef

EVENT_ID = IdRef("event", _("There is no event #{id}."))
"""An event named by id: only the caller's community's (or space's) events are found."""

_DETAIL_OPTIONS = (
    Option("duration", _("how long it lasts (default 1h)"), takes_value=True, metavar="1h"),
    Option("where", _("where it happens (a place or a link)"), takes_value=True, metavar="PLACE"),
    Option("capacity", _("seats; later answers join a waitlist"), takes_value=True, metavar="N"),
    Option(
        "remind",
        _("remind those going this long before (default 1d,1h; off for none)"),
        takes_value=True,
        metavar="1d,1h",
    ),
    Option(
        "cutoff",
        _("answers close this long before the start"),
        takes_value=True,
        metavar="2h",
    ),
)

_ID = (Param("id", _("the event's number"), ref=EVENT_ID),)

EVENT = CommandSpec(
    "event",
    _("Create an event with Going / Maybe / Can't go, or show one"),
    params=(
        Param("title", _("the title, or an event's number to show it"), required=False),
        Param(
            "when",
            _("e.g. 2026-12-10 19:00, tomorrow 19:00, fri 18:30, in 2h"),
            variadic=True,
            required=False,
        ),
    ),
    options=(
        *_DETAIL_OPTIONS,
        Option(
            "repeat",
            _("repeat it daily, weekly or monthly"),
            takes_value=True,
            metavar="daily|weekly|monthly",
        ),
        Option(
            "tz",
            _("the time zone <when> is in (default: /settings tz)"),
            takes_value=True,
            metavar="Europe/Rome",
        ),
        Option("space", _("post it in every community of this space, with one list")),
    ),
    needs_community=True,
    subcommands=(
        CommandSpec("ics", _("The event as a calendar file"), params=_ID),
        CommandSpec(
            "rsvp",
            _("Answer where there are no buttons"),
            params=(*_ID, Param("answer", _("going, maybe or no"))),
        ),
        CommandSpec(
            "remind",
            _("Turn your reminders of an event on or off"),
            params=(*_ID, Param("state", _("on or off"))),
        ),
        CommandSpec(
            "edit",
            _("Change an event (--series: this one and the next ones)"),
            Role.MANAGER,
            params=_ID,
            options=(
                Option("title", _("a new title"), takes_value=True, metavar="TITLE"),
                Option("when", _("a new time, quoted"), takes_value=True, metavar='"fri 18:30"'),
                *_DETAIL_OPTIONS,
                Option("series", _("change the rest of the series too")),
            ),
        ),
        CommandSpec(
            "cancel",
            _("Cancel an event (--series: and the rest of the series)"),
            Role.MANAGER,
            params=_ID,
            options=(Option("series", _("end the series too")),),
        ),
        CommandSpec("export", _("Answers as CSV, privately"), Role.MANAGER, params=_ID),
        CommandSpec(
            "feed",
            _("Your calendar feed URL, privately (managers: this community's too)"),
            options=(
                Option("reset", _("a new URL; the old one stops working")),
                Option("community", _("with --reset: the community's feed (managers)")),
            ),
        ),
        CommandSpec(
            "checkin",
            _("Managers: post a check-in button and a code for the room; with the code: check in"),
            params=(*_ID, Param("code", _("the code shown in the room"), required=False)),
        ),
    ),
)

EVENTS = CommandSpec("events", _("Upcoming events"), needs_community=True)
