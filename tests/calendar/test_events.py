"""Events through the real runtime, pipeline, outbox, scheduler and SQL store."""

from __future__ import annotations

from tests.calendar.support import (
    ALICE,
    Clock,
    EventAdapter,
    events_runtime,
    play,
    press,
    typed,
)
from tests.support import member

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
