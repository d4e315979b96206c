"""Send slots: each platform's limits paced evenly, no saved-up burst, slots in order.

The first tests replay the worker's use of :class:`MemorySlots` (each lane sends in order,
asking again while its chat is not free) on a virtual clock, so windows are counted
exactly. The last ones run the real worker against the in-memory adapter in real time and
only check upper bounds with a wide margin (a slow machine spreads sends out, it never
packs more into a window).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Sequence

from tests.support import MemoryAdapter, enqueue
from townsquare.adapters.discord.outbound import LIMITS as DISCORD
from townsquare.adapters.slack.outbound import LIMITS as SLACK
from townsquare.adapters.telegram.outbound import LIMITS as TELEGRAM
from townsquare.core.actions import Action, SendMessage
from townsquare.core.capabilities import RateLimits
from townsquare.core.delivery import DeliveryWorker
from townsquare.core.ports import Delivered
from townsquare.core.ratelimit import LOST, MemorySlots, Slot, bot_limit, chat_limit
from townsquare.core.refs import ChannelRef
from townsquare.core.text import as_text
from townsquare.storage.store import SqlStore


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def simulate(limits: RateLimits, lanes: dict[str, int], *, start: float = 0.0) -> list[float]:
    """Send ``lanes[lane]`` messages in each lane (``bot:chat:ID`` or ``bot:dm:ID``), all
    queued at ``start``: each lane asks for a slot, sleeps until it, sends (answered at
    once), asks for the next. Returns every send time."""
    clock = Clock()
    slots = MemorySlots(clock)
    bot = bot_limit("bot", limits)
    ready = [(start, lane) for lane in lanes]
    heapq.heapify(ready)
    left = dict(lanes)
    sent: list[float] = []
    answers: list[tuple[float, int, Slot]] = []  # answered at once, in slot order
    while ready:
        clock.now, lane = heapq.heappop(ready)
        while answers and answers[0][0] <= clock.now:
            slots.sent_now(heapq.heappop(answers)[2])
        slot = slots.reserve_now(bot, chat_limit("bot", lane, limits))
        at = clock.now + slot.wait
        if slot.reserved:
            sent.append(at)
            heapq.heappush(answers, (at, len(sent), slot))
            left[lane] -= 1
            if left[lane] == 0:
                continue
        heapq.heappush(ready, (at, lane))
    return sorted(sent)


def most_in_window(times: Sequence[float], window: float) -> int:
    """The most sends any window of ``window`` seconds (half-open) holds."""
    ordered = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(ordered):
        while at - ordered[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


def rate(times: Sequence[float]) -> float:
    ordered = sorted(times)
    return (len(ordered) - 1) / (ordered[-1] - ordered[0])


def test_telegram_sends_at_most_30_per_second_from_the_first_second() -> None:
    sent = simulate(TELEGRAM, {f"bot:chat:{1000 + n}": 1 for n in range(300)})
    assert most_in_window(sent, 1.0) <= 30
    assert most_in_window(sent[:60], 1.0) <= 30, "no saved-up burst at the start"
    assert rate(sent) >= 0.95 * 30


def test_telegram_group_gets_20_per_minute_and_a_private_chat_1_per_second() -> None:
    group = simulate(TELEGRAM, {"bot:chat:-1001234": 45})
    assert most_in_window(group, 60.0) <= 20
    assert rate(group) >= 0.95 * 20 / 60
    private = simulate(TELEGRAM, {"bot:chat:4242": 30})
    assert most_in_window(private, 1.0) <= 1
    assert rate(private) >= 0.95, "a private chat has its own 1/s, not the group's 20/min"
    direct = simulate(TELEGRAM, {"bot:dm:4242": 10})
    assert most_in_window(direct, 1.0) <= 1 and rate(direct) >= 0.95


def test_discord_channel_gets_5_per_5_seconds_and_the_bot_50_per_second() -> None:
    channel = simulate(DISCORD, {"bot:chat:555": 30})
    assert most_in_window(channel, 5.0) <= 5
    assert rate(channel) >= 0.95 * 1.0
    everywhere = simulate(DISCORD, {f"bot:chat:{n}": 2 for n in range(400)})
    assert most_in_window(everywhere, 1.0) <= 50
    assert rate(everywhere) >= 0.95 * 50


def test_slack_channel_gets_one_per_second() -> None:
    channel = simulate(SLACK, {"bot:chat:C0123": 20})
    assert most_in_window(channel, 1.0) <= 1 and rate(channel) >= 0.95


def test_a_busy_chat_leaves_no_hole_in_the_bots_schedule() -> None:
    """A group waiting for its own slot reserves nothing of the bot's: the other chats
    still get the whole per-bot rate, and the group its whole per-group rate."""
    lanes = {"bot:chat:-100777": 30, **{f"bot:chat:{1000 + n}": 1 for n in range(600)}}
    sent = simulate(TELEGRAM, lanes)
    assert most_in_window(sent, 1.0) <= 30
    busy = sent[: int(0.9 * len(sent))]  # while the many chats keep the bot busy
    assert rate(busy) >= 0.95 * 30


def test_private_chats_are_told_by_each_platforms_rule() -> None:
    def pace(limits: RateLimits, lane: str) -> float:
        return chat_limit("bot", lane, limits).interval

    assert pace(TELEGRAM, "bot:chat:12345") < 1.1 < 2.9 < pace(TELEGRAM, "bot:chat:-100123")
    assert pace(TELEGRAM, "bot:dm:12345") < 1.1
    assert pace(DISCORD, "bot:dm:99") == pace(DISCORD, "bot:chat:99")  # one route limit
    assert pace(SLACK, "bot:chat:D024BE91L") == pace(SLACK, "bot:chat:C024BE91L")


async def test_a_429_holds_the_chat_and_the_bot() -> None:
    clock = Clock()
    slots = MemorySlots(clock)
    bot, chat = bot_limit("bot", TELEGRAM), chat_limit("bot", "bot:chat:-1", TELEGRAM)
    assert (await slots.reserve(bot, chat)).wait == 0
    await slots.pause([bot, chat], 7.0)
    assert (await slots.reserve(bot, None)).wait == 7.0
    waited = await slots.reserve(bot, chat)
    assert waited.wait >= 7.0


# -- the real worker, real time ---------------------------------------------------------


def chat_send(channel: str, n: int) -> SendMessage:
    return SendMessage(bot="mem", channel=ChannelRef(channel), text=as_text(f"message {n}"))


class TimedAdapter(MemoryAdapter):
    def __init__(self, limits: RateLimits) -> None:
        super().__init__(limits=limits)
        self.times: list[float] = []

    async def perform(self, action: Action) -> Delivered:
        self.times.append(time.monotonic())
        return await super().perform(action)


async def run(store: SqlStore, adapter: TimedAdapter, count: int) -> None:
    worker = DeliveryWorker(store, {"mem": adapter}, poll_interval=0.05)
    worker.start()
    try:
        await adapter.wait_for(lambda performed: len(performed) >= count, timeout=60)
    finally:
        await worker.stop()


async def test_the_worker_sends_no_burst_in_telegrams_first_second(store: SqlStore) -> None:
    adapter = TimedAdapter(TELEGRAM)
    await enqueue(store, *(chat_send(str(1000 + n), n) for n in range(45)))
    await run(store, adapter, 45)
    # 30 a second, evenly: not even 0.9 s holds more than 30 (the old bucket sent 59
    # in the first second: 30 saved up, then 30 more).
    assert most_in_window(adapter.times, 0.9) <= 30


async def test_the_worker_spaces_one_discord_channel(store: SqlStore) -> None:
    adapter = TimedAdapter(DISCORD)
    await enqueue(store, *(chat_send("555", n) for n in range(7)))
    await run(store, adapter, 7)
    assert most_in_window(adapter.times, 4.5) <= 5, "5 per 5 s, no burst of 5 at once"


async def test_the_worker_spaces_one_telegram_group(store: SqlStore) -> None:
    adapter = TimedAdapter(TELEGRAM)
    await enqueue(store, *(chat_send("-1001234", n) for n in range(3)))
    await run(store, adapter, 3)
    gaps = [
        later - earlier for earlier, later in zip(adapter.times, adapter.times[1:], strict=False)
    ]
    assert min(gaps) >= 2.5, "20 per minute: about 3 s apart, no burst of 3"


def test_the_benchmarks_gate_counts_strict_windows() -> None:
    """The rate-enforcing layer of ``benchmarks/rates.py``: 20 in any minute per group,
    measured on arrival; the 21st is refused with how long until there is room."""
    from tests.fakes.ratelimits import RateGate, telegram

    gate = RateGate("telegram", "http://127.0.0.1:9")
    windows = telegram("POST", "/botTOKEN/sendMessage", {"chat_id": -100123})
    assert [w.key for w in windows] == ["bot", "group:-100123"]
    assert all(gate.admit(windows, at * 3.0) is None for at in range(20))
    assert gate.admit(windows, 59.0) == 1.0, "20 already in the last minute"
    assert gate.admit(windows, 60.0) is None, "the first one left the window"
    assert gate.refused == {"group:-100123": 1}
    private = telegram("POST", "/botTOKEN/sendMessage", {"chat_id": 42})
    assert gate.admit(private, 100.0) is None and gate.admit(private, 100.5) is not None


async def test_a_chats_next_slot_waits_a_window_after_its_last_answer() -> None:
    """However late a message reached the platform, the chat's next one goes a whole
    window after its answer (a private chat: 1 in any second)."""
    clock = Clock()
    slots = MemorySlots(clock)
    private = chat_limit("bot", "bot:chat:42", TELEGRAM)
    bot = bot_limit("bot", TELEGRAM)
    first = await slots.reserve(bot, private)
    assert first.reserved and first.at == 0.0
    clock.now = 0.5  # sent late, or slow to arrive: answered at 0.5
    await slots.sent(first)
    busy = await slots.reserve(bot, private)
    assert not busy.reserved and busy.chat_busy
    clock.now += busy.wait  # back a little early (one bot interval), to be booked in time
    assert clock.now < 1.5
    second = await slots.reserve(bot, private)
    assert second.reserved and second.at == 1.5, "a window after the answer, not the slot"


async def test_the_bots_slot_count_places_on_waits_a_window_after_that_answer() -> None:
    """30 in any second: the bot's 31st slot goes a second after the 1st was answered,
    not 30 intervals after its slot, when that one was answered late."""
    clock = Clock()
    slots = MemorySlots(clock)
    bot = bot_limit("bot", TELEGRAM)
    taken = []
    for n in range(30):
        slot = await slots.reserve(bot, chat_limit("bot", f"bot:chat:{100 + n}", TELEGRAM))
        assert slot.reserved and slot.at is not None
        taken.append(slot)
    for n, slot in enumerate(taken):
        assert slot.at is not None
        clock.now = max(clock.now, slot.at)
        await slots.sent(slot, 0.3 if n == 0 else slot.at)
    assert clock.now + bot.interval < 1.3, "the pace alone would give the 31st earlier"
    thirty_first = await slots.reserve(bot, chat_limit("bot", "bot:chat:7", TELEGRAM))
    assert thirty_first.reserved and thirty_first.at == 1.3


async def test_an_unanswered_message_holds_its_window_until_it_counts_as_lost() -> None:
    clock = Clock()
    slots = MemorySlots(clock)
    bot = bot_limit("bot", TELEGRAM)
    private = chat_limit("bot", "bot:chat:42", TELEGRAM)
    gone = await slots.reserve(bot, private)
    assert gone.reserved  # ...and its sender never reports an answer (killed)
    clock.now = 2.0
    waiting = await slots.reserve(bot, private)
    assert not waiting.reserved and waiting.chat_busy
    assert clock.now + waiting.wait == LOST, "it may still be on its way until LOST"
    for n in range(29):
        slot = await slots.reserve(bot, chat_limit("bot", f"bot:chat:{100 + n}", TELEGRAM))
        assert slot.reserved
        await slots.sent(slot)
    held = await slots.reserve(bot, chat_limit("bot", "bot:chat:7", TELEGRAM))
    assert not held.reserved and not held.chat_busy, "the bot's 31st waits for the 1st"
    clock.now = LOST
    after = await slots.reserve(bot, chat_limit("bot", "bot:chat:7", TELEGRAM))
    assert after.reserved and after.at == LOST + 1.0
