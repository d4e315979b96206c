"""Raid safety through the real runtime: a burst of joins gives a handful of greetings, the
managers one alert, the waiting greetings survive a restart, and raid mode ends by itself.
The rate rules themselves are property-tested on :class:`JoinRate`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.onboarding.support import TELEGRAM_LIKE, Harness, harness, joined, pressed
from tests.support import MemoryAdapter, member
from townsquare.bots.config import parse_config
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import RestrictMember, SendMessage
from townsquare.core.builtin import builtin_features
from townsquare.core.onboarding.feature import Onboarding
from townsquare.core.onboarding.raid import JoinRate
from townsquare.storage.onboarding import SqlOnboardingStore


def alerts(h: Harness) -> list[SendMessage]:
    return [a for a in h.performed(SendMessage) if "Join raid" in a.text.plain()]


async def burst(h: Harness, count: int, prefix: str = "raider") -> None:
    """``count`` joins arriving at once, as fast as the adapter can hand them over."""
    events = [joined(f"{prefix}{index:02d}") for index in range(count)]
    await asyncio.gather(*(h.runtime.pipeline.submit(event) for event in events))
    await h.settle()


async def test_forty_joins_give_a_handful_of_greetings_and_one_alert(database_url: str) -> None:
    async with harness(database_url, defaults={"escalate_to": "mem:managers-room"}) as h:
        await burst(h, 40)
        assert len(h.greetings()) == 5, "the first five are greeted at once"
        (alert,) = alerts(h)
        assert alert.channel.id == "managers-room", "the managers' inbox from escalate_to"
        assert alert.text.plain() == (
            "⚠️ Join raid in Test Square: 11 newcomers in the last 30 seconds.\n"
            "Greetings are combined into one message every 5 seconds until it calms down.\n"
            "To mute newcomers until they accept the rules: /verify on"
        )
        assert await h.fire(4) == 0, "the combined greeting waits at most 5 s, not less"
        assert await h.fire(1) == 1
        greetings = h.greetings()
        assert len(greetings) == 6 <= 10
        combined = greetings[-1]
        assert combined.silent and combined.channel.id == "general"
        assert combined.text.plain() == (
            "Welcome to Test Square, @raider05, @raider06 and 33 others!"
        )
        assert len(alerts(h)) == 1

        # The rate drops: raid mode ends by itself and greetings are individual again.
        h.clock.advance(60)
        await h.join("Latecomer")
        assert h.greetings()[-1].text.plain() == "Welcome to Test Square, @Latecomer!"
        assert await h.fire(60) == 0
        assert len(alerts(h)) == 1

        # A new raid later is a new alert.
        await burst(h, 12, prefix="second")
        assert len(alerts(h)) == 2


async def test_forty_joins_spread_over_twenty_seconds_stay_within_ten_messages(
    sqlite_url: str,
) -> None:
    """A burst need not be instantaneous: one join every half second for 20 s gives five
    individual greetings and one combined greeting per 5 s window, nine in all."""
    async with harness(sqlite_url) as h:
        for index in range(40):
            await h.join(f"guest{index:02d}")
            await h.fire(0.5)
        await h.fire(5)
        greetings = h.greetings()
        assert len(greetings) == 9 <= 10
        named = sum(text.count("@guest") for text in (g.text.plain() for g in greetings))
        others = sum(
            int(g.text.plain().rsplit(" and ", 1)[1].split()[0])
            for g in greetings
            if "others" in g.text.plain()
        )
        assert named + others == 40, "everyone is welcomed exactly once"
        assert len(alerts(h)) == 1


async def test_joins_during_the_window_join_the_same_combined_greeting(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await burst(h, 6)
        h.clock.advance(3)
        await burst(h, 6, prefix="later")  # 3 s later: the same window, due 5 s after the 4th
        assert await h.fire(1) == 0
        assert await h.fire(1) == 1
        *_single, combined = h.greetings()
        assert combined.text.plain() == "Welcome to Test Square, @raider05, @later00 and 5 others!"
        h.clock.advance(1)
        await burst(h, 2, prefix="tail")  # still too many joins in 30 s: a new window opens
        assert await h.fire(5) == 1
        assert h.greetings()[-1].text.plain() == "Welcome to Test Square, @tail00 and @tail01!"
        assert len(h.greetings()) == 7


async def test_waiting_greetings_survive_a_restart(database_url: str) -> None:
    async with harness(database_url) as first:
        await burst(first, 10)
        assert len(first.greetings()) == 5
    async with harness(database_url, migrated=True) as second:  # the process restarted
        assert await second.fire(5) == 1
        (combined,) = second.greetings()
        assert combined.text.plain() == (
            "Welcome to Test Square, @raider05, @raider06 and 3 others!"
        )
        assert combined.key is not None and combined.key.endswith(":6"), "numbering goes on"


async def test_the_gate_mutes_every_raider_and_the_combined_button_is_theirs(
    sqlite_url: str,
) -> None:
    async with harness(sqlite_url) as h:
        await h.typed("/verify on")
        await burst(h, 12)
        assert len(h.performed(RestrictMember)) == 12, "mutes are never postponed"
        assert await h.fire(5) == 1
        combined = h.greetings()[-1]
        ((button,),) = combined.buttons
        assert button.data == "onb:acc"
        await h.press(button.data, member("Raider07"))
        await h.press(button.data, member("Stranger"))
        assert h.toasts() == ["Thank you! You can write now.", "This button is not for you."]
        alert = alerts(h)[0].text.plain()
        assert "/verify on" not in alert, "the gate is already on"


async def test_batching_with_the_real_scheduler(sqlite_url: str) -> None:
    """No test clock: the durable job fires by itself about one batch window later."""
    config = parse_config(
        {"storage": {"url": sqlite_url}, "bots": [{"name": "mem", "platform": "console"}]},
        {},
        "test",
    )
    adapter = MemoryAdapter(capabilities=TELEGRAM_LIKE)
    onboarding = Onboarding(store=SqlOnboardingStore, batch_window=timedelta(seconds=0.3))
    features = [*builtin_features(), onboarding]
    async with Runtime(config, features=features, adapters={"mem": adapter}) as runtime:
        events = [joined(f"guest{index:02d}") for index in range(15)]
        await asyncio.gather(*(runtime.pipeline.submit(event) for event in events))
        performed = await adapter.wait_for(
            lambda actions: any("others" in a.text.plain() for a in actions if _is_send(a))
        )
        greetings = [a for a in performed if _is_send(a) and "Welcome" in a.text.plain()]
        assert len(greetings) == 6
        assert greetings[-1].text.plain().endswith("and 8 others!")
        await runtime.pipeline.submit(pressed("onb:acc", member("Guest01")))


def _is_send(action: object) -> bool:
    return isinstance(action, SendMessage)


T0 = datetime(2026, 1, 1, tzinfo=UTC)


@settings(max_examples=200, deadline=None)
@given(gaps=st.lists(st.floats(min_value=0, max_value=40), min_size=1, max_size=120))
def test_individual_greetings_are_bounded(gaps: list[float]) -> None:
    """Whatever the arrival pattern, at most ``quiet_joins`` joins in any 30 s window are
    greeted individually, and a raid is alerted at most once until the rate calms down."""
    rate = JoinRate()
    now = T0
    individual: list[datetime] = []
    started = 0
    calm = True
    for gap in gaps:
        now += timedelta(seconds=gap)
        seen = rate.observe(("p", "c"), now)
        recent = [at for at in individual if at > now - rate.window]
        if not seen.combine:
            individual.append(now)
            assert len(recent) < rate.quiet_joins
        if seen.raid_started:
            assert calm, "a second alert without the rate calming down first"
            started += 1
            calm = False
        if seen.recent <= rate.quiet_joins:
            calm = True
        assert seen.raiding == (not calm)
    assert started <= len(gaps) // (rate.raid_joins + 1)


def test_raid_mode_ends_when_the_window_empties() -> None:
    rate = JoinRate()
    for second in range(11):
        seen = rate.observe(("p", "c"), T0 + timedelta(seconds=second))
    assert seen.raid_started and rate.raiding(("p", "c"), T0 + timedelta(seconds=11))
    assert not rate.raiding(("p", "c"), T0 + timedelta(seconds=45))
    assert rate.observe(("p", "c"), T0 + timedelta(seconds=46)) == rate.observe(
        ("p", "d"), T0 + timedelta(seconds=46)
    )


def test_a_join_observed_again_counts_once_and_keeps_its_alert() -> None:
    """A batch retried after a failure observes its joins again: none is counted twice,
    and the join that started a raid starts it again (the first alert was rolled back)."""
    rate = JoinRate()
    key = ("p", "c")
    for n in range(10):
        assert not rate.observe(key, T0 + timedelta(seconds=n), f"m{n}").raid_started
    first = rate.observe(key, T0 + timedelta(seconds=10), "m10")
    assert first.raid_started and first.recent == 11
    again = rate.observe(key, T0 + timedelta(seconds=10), "m10")
    assert again.raid_started and again.recent == 11
    assert rate.observe(key, T0 + timedelta(seconds=10), "m3").recent == 11
    later = rate.observe(key, T0 + timedelta(seconds=11), "m11")
    assert not later.raid_started and later.raiding and later.recent == 12
