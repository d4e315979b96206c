"""``/event --space``: one event posted in every community of a space, one list of
answers, each person once whichever platform they answer on; and ids resolved within the
caller's community (or space) only."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from tests.calendar.support import (
    ALICE,
    START,
    Clock,
    EventAdapter,
    events_runtime,
    features,
    play,
    press,
    typed,
)
from tests.conftest import migrate
from tests.fakes.bots import config
from tests.harness import QUICK_DELIVERY
from tests.support import member
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import SendMessage
from townsquare.core.refs import ChannelRef, CommunityRef, MessageRef
from townsquare.storage.people import SqlPeopleStore, SqlPersonDirectory

BOB = member("Bob")
OTHER = CommunityRef("memory", "c9", title="Elsewhere")


async def test_ids_from_another_community_are_unknown(database_url: str) -> None:
    clock, adapter = Clock(), EventAdapter()
    async with events_runtime(database_url, adapter, clock) as runtime:
        await play(runtime, typed('/event "Ours" 2026-12-10 19:00', ALICE, clock))
        outsider = [
            replace(typed(text, ALICE, clock), community=OTHER)
            for text in ("/event 1", "/event rsvp 1 going", "/event cancel 1", "/event ics 1")
        ]
        forged = replace(press("ev:1:going", BOB, clock), community=OTHER)
        await play(runtime, *outsider, forged)
        assert adapter.answers()[-4:] == ["There is no event #1."] * 4
        assert adapter.toasts() == ["This event no longer exists."]
        assert not adapter.files()
        # A press on another message of the right chat counts nowhere either.
        elsewhere = replace(
            press("ev:1:going", BOB, clock), message=MessageRef(ChannelRef("general"), "msg-x")
        )
        await play(runtime, elsewhere)
        assert adapter.toasts()[-1] == "This event no longer exists."
        assert "✅ 0 going" in adapter.card()


async def test_a_space_event_has_one_list_and_one_answer_per_person(database_url: str) -> None:
    await migrate(database_url)
    clock, here, there = Clock(), EventAdapter("mem"), EventAdapter("mem2")
    there.platform = "other"
    spaces = [{"name": "town", "communities": ["mem:c1", "mem2:c2/lounge"]}]
    runtime = Runtime(
        config(
            database_url,
            {"name": "mem", "platform": "console"},
            {"name": "mem2", "platform": "console"},
            spaces=spaces,  # type: ignore[arg-type]
        ),
        features=features(),
        adapters={"mem": here, "mem2": there},
        delivery_options=QUICK_DELIVERY,
    )
    await runtime.start()
    runtime.pipeline.clock = clock
    runtime.scheduler.clock = clock
    runtime.worker.clock = clock.flowing
    try:
        async with runtime.store.transaction() as tx:  # Bob's two accounts are one person
            directory, people = SqlPersonDirectory(), SqlPeopleStore(tx)
            mine = await directory.person_of(tx, "memory", "bob")
            theirs = await directory.person_of(tx, "other", "bob-elsewhere")
            await people.merge(mine, theirs, START)
        await play(
            runtime, typed('/event "Fair" 2026-12-12 10:00 --space --capacity 5', ALICE, clock)
        )
        (posted,) = [a for a in there.performed if isinstance(a, SendMessage)]
        assert posted.channel.id == "lounge" and posted.key == "event:1:1"
        await play(runtime, press("ev:1:going", BOB, clock))
        other_bob = replace(BOB, user_id="bob-elsewhere")
        far = replace(
            press("ev:1:maybe", other_bob, clock),
            platform="other",
            bot="mem2",
            community=CommunityRef("other", "c2"),
            channel=ChannelRef("lounge"),
            message=MessageRef(ChannelRef("lounge"), "msg-event:1:1"),
        )
        await play(runtime, far)
        assert there.toasts() == ["Marked as maybe"]
        for adapter in (here, there):
            key = "event:1" if adapter is here else "event:1:1"
            assert "✅ 0 of 5 going" in adapter.card_of(key) and "🤔 1 maybe" in adapter.card_of(
                key
            )
        clock.advance(timedelta(minutes=1))
    finally:
        await runtime.stop()
