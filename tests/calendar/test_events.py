"""Events through the real runtime, pipeline, outbox, scheduler and SQL store."""

from __future__ import annotations

from datetime import timedelta

from tests.calendar.support import (
    ALICE,
    START,
    Attendance,
    Clock,
    EventAdapter,
    events_runtime,
    fire_due,
    play,
    press,
    typed,
)
from tests.support import member
from townsquare.core.actions import CreateScheduledEvent, EditMessage
from townsquare.core.onboarding.feature import Onboarding
from townsquare.storage.onboarding import SqlOnboardingStore

BOB, CAROL, DAN, EVE = member("Bob"), member("Carol"), member("Dan"), member("Eve")


async def test_full_event_waitlist_promotes_in_order_with_a_private_message(
    database_url: str,
) -> None:
    clock, adapter = Clock(), EventAdapter()
    async with events_runtime(database_url, adapter, clock) as runtime:
        await play(
            runtime,
            typed(
                '/event "Board games" 2026-12-10 19:00 --capacity 2 --where Library', ALICE, clock
            ),
        )
        (post,) = adapter.sent()
        assert post.key == "event:1"
        text = post.text.plain()
        assert "📅 #1 Board games" in text and "📍 Library" in text
        assert "✅ 0 of 2 going" in text
        assert [[b.data for b in row] for row in post.buttons] == [
            ["ev:1:going", "ev:1:maybe", "ev:1:no"]
        ]
        await play(
            runtime,
            press("ev:1:going", BOB, clock),
            press("ev:1:going", CAROL, clock),
            press("ev:1:going", DAN, clock),
            press("ev:1:going", EVE, clock),
            press("ev:1:going", DAN, clock),
        )
        assert adapter.toasts() == [
            "You are going",
            "You are going",
            "It is full: you are number 1 on the waitlist",
            "It is full: you are number 2 on the waitlist",
            "It is full: you are number 1 on the waitlist",
        ]
        assert "✅ 2 of 2 going" in adapter.card() and "⏳ 2 waiting" in adapter.card()
        adapter.clear()
        await play(runtime, press("ev:1:no", CAROL, clock))
        (told,) = adapter.directs()
        assert told.user_id == "dan"
        assert told.text.plain().startswith("A seat freed up: you are now going to #1 Board games")
        assert "⏳ 1 waiting" in adapter.card() and "❌ 1 can't go" in adapter.card()
        adapter.clear()
        await play(runtime, typed("/event 1", BOB, clock))
        (details,) = adapter.answers()
        assert "Going: Bob, Dan" in details and "Waitlist: 1. Eve" in details


async def test_reminders_fire_once_to_those_going_who_did_not_opt_out(database_url: str) -> None:
    clock, adapter = Clock(), EventAdapter()
    async with events_runtime(database_url, adapter, clock) as runtime:
        # 2026-12-03 19:00 UTC; reminders at the default 1d and 1h before
        await play(runtime, typed('/event "Call" 2026-12-03 19:00', ALICE, clock))
        await play(
            runtime,
            press("ev:1:going", BOB, clock),
            press("ev:1:going", CAROL, clock),
            press("ev:1:maybe", DAN, clock),
        )
        adapter.clear()
        clock.advance(timedelta(days=1, hours=6))  # 2026-12-02 18:00: 1 day before, past it
        clock.now = START.replace(day=2, hour=19)
        assert await fire_due(runtime) == 1
        reminders = adapter.directs()
        assert sorted(d.user_id for d in reminders) == ["bob", "carol"]
        first = reminders[0]
        assert first.text.plain().startswith("⏰ Reminder: #1 Call starts ")
        assert first.fallback_channel is not None and first.fallback_channel.id == "general"
        assert [[b.data for b in row] for row in first.buttons] == [["evq:1"]]
        assert await fire_due(runtime) == 0, "fired once"
        await play(runtime, press("evq:1", CAROL, clock, key="dm"))
        assert adapter.toasts()[-1] == "No more reminders of this event."
        adapter.clear()
        clock.now = START.replace(day=3, hour=18)
        assert await fire_due(runtime) == 1
        assert [d.user_id for d in adapter.directs()] == ["bob"]


async def test_export_ics_and_listing(database_url: str) -> None:
    clock, adapter = Clock(), EventAdapter()
    async with events_runtime(database_url, adapter, clock) as runtime:
        await play(
            runtime,
            typed('/event "Meetup" 2026-12-10 19:00 --tz Europe/Rome --duration 2h', ALICE, clock),
            typed('/event "Later" 2026-12-20 10:00', ALICE, clock),
        )
        await play(runtime, press("ev:1:going", BOB, clock), press("ev:1:maybe", CAROL, clock))
        adapter.clear()
        await play(
            runtime,
            typed("/events", BOB, clock),
            typed("/event export 1", ALICE, clock),
            typed("/event ics 1", BOB, clock),
            typed("/event export 1", BOB, clock),
        )
        (listing,) = [a for a in adapter.answers() if a.startswith("Upcoming events:")]
        assert listing.splitlines()[1].startswith("#1 Meetup — Thu 10 Dec 2026, 19:00 Europe/Rome")
        assert "(UTC+01:00)" in listing and "#2 Later" in listing
        export, calendar = sorted(adapter.files(), key=lambda f: f.filename)  # csv, ics
        assert (export.filename, export.user_id, export.mime_type) == (
            "event-1.csv",
            "alice",
            "text/csv",
        )
        rows = export.data.decode().splitlines()
        assert rows[0] == "answer,waitlist,name,platform,user_id,answered_at"
        assert rows[1].startswith("going,,Bob,memory,bob,") and rows[2].startswith("maybe,,Carol")
        assert (calendar.filename, calendar.user_id) == ("event-1.ics", "bob")
        assert b"DTSTART;TZID=Europe/Rome:20261210T190000" in calendar.data
        assert "Sorry, only managers can use /event export." in adapter.answers()


async def test_mistakes_get_one_clear_line(database_url: str) -> None:
    clock, adapter = Clock(), EventAdapter()
    async with events_runtime(database_url, adapter, clock) as runtime:
        for text in (
            '/event "Past" 2026-11-30 10:00',
            '/event "Garbled" next blursday',
            '/event "No time"',
            '/event "X" tomorrow 19:00 --capacity lots',
            '/event "X" tomorrow 19:00 --remind soon',
            '/event "X" tomorrow 19:00 --tz Mars/Olympus',
            '/event "X" tomorrow 19:00 --repeat yearly',
            '/event "X" tomorrow 19:00 --duration forever',
        ):
            await play(runtime, typed(text, ALICE, clock))
        await play(runtime, typed('/event "Mine" tomorrow 19:00', BOB, clock))
        await play(
            runtime, typed("/event 99", BOB, clock), typed("/event rsvp 99 going", BOB, clock)
        )
        assert adapter.sent() == [m for m in adapter.sent() if m.key is None], "nothing posted"
        assert adapter.answers() == [
            "2026-11-30 10:00 is in the past.",
            "I cannot read next blursday as a time; write e.g. 2026-12-10 19:00, tomorrow "
            "19:00, fri 18:30 or in 2h.",
            "When is it? e.g. 2026-12-10 19:00, tomorrow 19:00, fri 18:30 or in 2h.",
            "--capacity takes a number of seats from 1 to 100000, or off.",
            "--remind takes offsets like 1d,1h or 30m (at most 5, each at most 30d), or off.",
            "I do not know the time zone Mars/Olympus; write it like Europe/Rome.",
            "--repeat takes daily, weekly or monthly.",
            "--duration takes a length like 45m, 1h or 2h30m (at most 14d).",
            "Sorry, only managers can use /event.",
            "There is no event #99.",
            "There is no event #99.",
        ]


async def test_cancel_and_edit_tell_the_attendees(database_url: str) -> None:
    clock, adapter = Clock(), EventAdapter()
    async with events_runtime(database_url, adapter, clock) as runtime:
        await play(runtime, typed('/event "Talk" 2026-12-10 19:00 --capacity 1', ALICE, clock))
        await play(
            runtime,
            press("ev:1:going", BOB, clock),
            press("ev:1:going", CAROL, clock),
            press("ev:1:no", DAN, clock),
        )
        adapter.clear()
        await play(
            runtime, typed('/event edit 1 --when "2026-12-11 20:00" --capacity 2', ALICE, clock)
        )
        told = {d.user_id: d.text.plain() for d in adapter.directs()}
        assert told["carol"].startswith("A seat freed up")
        assert told["bob"].startswith("Event #1 Talk has changed: it is now Fri 11 Dec 2026, 20:00")
        assert "dan" not in told
        assert adapter.answers()[-1] == "Event #1 changed; 1 person told."
        assert "✅ 2 of 2 going" in adapter.card()
        adapter.clear()
        await play(runtime, typed("/event cancel 1", ALICE, clock))
        assert sorted(d.user_id for d in adapter.directs()) == ["bob", "carol"]
        assert "cancelled" in adapter.card()
        assert adapter.answers()[-1] == "Event #1 cancelled; 2 people told."
        await play(runtime, press("ev:1:going", EVE, clock), typed("/event cancel 1", ALICE, clock))
        assert adapter.toasts()[-1] == "This event is cancelled."
        assert adapter.answers()[-1] == "Event #1 is already cancelled."
        clock.now = START.replace(day=11, hour=21)
        assert await fire_due(runtime) == 0, "the reminders and the start went with it"


async def test_a_weekly_series_keeps_its_wall_clock_time_across_dst(database_url: str) -> None:
    clock, adapter = Clock(START.replace(month=3, day=20)), EventAdapter()
    async with events_runtime(database_url, adapter, clock) as runtime:
        # Saturday 2026-03-21 19:00 in Rome is 18:00 UTC; Europe switches on March 29.
        await play(
            runtime,
            typed(
                '/event "Choir" 2026-03-21 19:00 --repeat weekly --tz Europe/Rome --remind off',
                ALICE,
                clock,
            ),
        )
        assert "repeats weekly" in adapter.card(1)
        await play(runtime, press("ev:1:going", BOB, clock))
        clock.now = START.replace(month=3, day=21, hour=18)
        adapter.clear()
        assert await fire_due(runtime) == 1  # the start: the next occurrence is made
        second = adapter.card(2)
        assert "Sat 28 Mar 2026, 19:00 Europe/Rome (UTC+01:00)" in second
        assert "✅ 0 going" in second, "each occurrence has its own answers"
        assert "started" in adapter.card(1)
        await play(runtime, typed("/event cancel 2", ALICE, clock))
        third = adapter.card(3)  # cancelled alone: the series goes on
        assert "Sat 4 Apr 2026, 19:00 Europe/Rome (UTC+02:00)" in third
        await play(runtime, typed("/event ics 3", BOB, clock))
        (ics,) = adapter.files()
        assert b"RRULE:FREQ=WEEKLY" in ics.data
        await play(runtime, typed("/event cancel 3 --series", ALICE, clock))
        assert adapter.answers()[-1] == "Event #3 cancelled; 0 people told."
        clock.now = START.replace(month=3, day=21, hour=19)  # #1 is over
        await play(runtime, typed("/events", BOB, clock))
        assert adapter.answers()[-1].startswith("No upcoming events.")


async def test_an_edit_changes_one_occurrence_or_with_series_the_rest(database_url: str) -> None:
    clock, adapter = Clock(START.replace(month=3, day=20)), EventAdapter()
    async with events_runtime(database_url, adapter, clock) as runtime:
        await play(
            runtime,
            typed(
                '/event "Choir" 2026-03-21 19:00 --repeat weekly --tz Europe/Rome --remind off',
                ALICE,
                clock,
            ),
        )
        clock.now = START.replace(month=3, day=21, hour=18)
        assert await fire_due(runtime) == 1  # #1 starts: #2 (28 March) is made
        await play(
            runtime, typed('/event edit 2 --title "Choir, with the new tenor"', ALICE, clock)
        )
        assert "Choir, with the new tenor" in adapter.card(2)
        clock.now = START.replace(month=3, day=28, hour=18)
        assert await fire_due(runtime) == 1  # #2 starts: #3 keeps the series' title
        assert "Choir, with the new tenor" not in adapter.card(3)
        assert "Choir" in adapter.card(3)
        await play(
            runtime, typed('/event edit 3 --title "Choir in the big hall" --series', ALICE, clock)
        )
        assert "Choir in the big hall" in adapter.card(3)
        clock.now = START.replace(month=4, day=4, hour=17)  # 19:00 in Rome, summer time
        assert await fire_due(runtime) == 1  # #3 starts: #4 has the series' new title
        fourth = adapter.card(4)
        assert "Choir in the big hall" in fourth
        assert "Sat 11 Apr 2026, 19:00 Europe/Rome (UTC+02:00)" in fourth


async def test_check_in_by_button_or_by_the_rooms_code_publishes_attendance_once(
    database_url: str,
) -> None:
    clock, adapter, heard = Clock(), EventAdapter(), Attendance()
    async with events_runtime(database_url, adapter, clock, heard) as runtime:
        await play(runtime, typed('/event "Meetup" 2026-12-01 16:00 --remind off', ALICE, clock))
        await play(runtime, typed("/event checkin 1 ABCDEF", BOB, clock))
        assert adapter.answers()[-1] == "That is not the check-in code of event #1."
        await play(runtime, typed("/event checkin 1", BOB, clock))
        assert adapter.answers()[-1] == "Sorry, only managers can use /event checkin."
        adapter.clear()
        await play(runtime, typed("/event checkin 1", ALICE, clock))
        (card,) = adapter.sent()
        assert [[b.data for b in row] for row in card.buttons] == [["evc:1"]]
        assert [[b.fallback for b in row] for row in card.buttons] == [["/event checkin 1 <code>"]]
        (told,) = adapter.directs()  # the code goes to the manager, not to the channel
        assert told.user_id == ALICE.user_id
        code = told.text.plain().split(" is ")[1].split(":")[0]
        assert len(code) == 6 and code.isalnum() and code.isupper()
        assert code not in card.text.plain()
        assert told.fallback_text is not None, "where it cannot go privately: not the code"
        assert code not in told.fallback_text.plain()
        assert told.text.plain() == f"The check-in code of #1 is {code}: show it to the room."
        await play(runtime, typed(f"/event checkin 1 {code}", BOB, clock))
        assert adapter.answers()[-1] == "Check-in opens 2 hours before the start."
        clock.now = START.replace(hour=14, minute=30)
        adapter.clear()
        await play(runtime, typed("/event checkin 1", ALICE, clock))
        (card,) = adapter.sent()
        (again,) = adapter.directs()
        assert code in again.text.plain(), "the event keeps its code"
        key = card.key
        assert key is not None
        await play(
            runtime,
            press("evc:1", BOB, clock, key=key),
            press("evc:1", BOB, clock, key=key),
            typed(f"/event checkin 1 {code.lower()[:3]}-{code.lower()[3:]}", CAROL, clock),
            typed(f"/event checkin 1 {code}", CAROL, clock),
            typed(f"/event checkin 1 {code}", BOB, clock),
        )
        assert adapter.toasts() == ["Checked in. Welcome!", "You are already checked in."]
        assert adapter.answers()[-3:] == [
            "Checked in. Welcome!",
            "You are already checked in.",
            "You are already checked in.",
        ]
        await heard.hears(2)
        assert sorted(heard.heard) == [(1, "bob"), (1, "carol")], "once per person"


async def test_answers_close_at_the_cutoff(database_url: str) -> None:
    clock, adapter = Clock(), EventAdapter()
    async with events_runtime(database_url, adapter, clock) as runtime:
        await play(
            runtime,
            typed('/event "Dinner" 2026-12-01 20:00 --cutoff 2h --remind off', ALICE, clock),
        )
        assert "answers close Tue 1 Dec 2026, 18:00 UTC" in adapter.card()
        clock.now = START.replace(hour=18)
        assert await fire_due(runtime) == 1
        edits = [a for a in adapter.performed if isinstance(a, EditMessage)]
        assert edits[-1].buttons == () and "answers are closed" in edits[-1].text.plain()
        await play(runtime, press("ev:1:going", BOB, clock))
        assert adapter.toasts() == ["Answers to this event are closed."]


async def test_the_mirrors_refusal_notice_is_in_the_managers_language_only_on_creation(
    database_url: str,
) -> None:
    clock, adapter = Clock(), EventAdapter()
    lang = Onboarding(store=SqlOnboardingStore)  # /lang
    async with events_runtime(database_url, adapter, clock, lang) as runtime:
        await play(runtime, typed("/lang it", ALICE, clock))
        await play(runtime, typed('/event "Quiz" 2026-12-10 19:00 --repeat weekly', ALICE, clock))
        (created,) = [a for a in adapter.performed if isinstance(a, CreateScheduledEvent)]
        assert created.on_failure is not None and created.on_failure.user_id == ALICE.user_id
        assert created.on_failure.text.plain().startswith(
            "Discord ha rifiutato di aggiungere il tuo evento #1 Quiz"
        )
        clock.now = START.replace(day=10, hour=19)
        await fire_due(runtime)  # the next occurrence is made by the start job
        mirrors = [a for a in adapter.performed if isinstance(a, CreateScheduledEvent)]
        assert len(mirrors) == 2 and mirrors[-1].on_failure is None, "told once, not weekly"
