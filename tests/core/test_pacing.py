"""Send slots under a loaded host, on a virtual clock: late senders, stalled processes and
slow requests, against the strict sliding windows of ``benchmarks/rates.py``'s gate.

Each simulated process has its own :class:`Pacer` over one shared :class:`MemorySlots`
(standing for the database several processes share; :mod:`tests.storage.test_ratelimit`
runs the same rules in PostgreSQL). A process is not scheduled during its stalls: its
tasks resume only when the stall ends, whether they were about to reserve, to send or to
report an answer. A request takes a little while to reach the platform, now and then much
longer (the process was descheduled after its check, the platform's side was slow), and
its answer a little while to come back. The gate counts arrivals in strict windows and
must never refuse one; the bot must still reach 95 % of its allowed rate.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from tests import virtualtime
from tests.fakes.ratelimits import RateGate, telegram
from townsquare.adapters.telegram.outbound import LIMITS as TELEGRAM
from townsquare.core.pacing import HEADS, Pacer
from townsquare.core.ratelimit import Limit, MemorySlots, Slot, bot_limit, chat_limit

TRIP = 0.002
"""Seconds of a round trip to the shared book (the database)."""


@dataclass
class Process:
    """One process of the bot: when the host does not run it, and what it holds."""

    stalls: Sequence[tuple[float, float]] = ()
    held: int = 0
    most_held: int = 0
    reserved: int = 0

    async def scheduled(self) -> None:
        """Go on only once the host runs this process again."""
        loop = asyncio.get_running_loop()
        for start, end in self.stalls:
            if start <= loop.time() < end:
                await asyncio.sleep(end - loop.time())


@dataclass
class Seen:
    """The shared book as one process reaches it: a round trip away, not while stalled."""

    book: MemorySlots
    process: Process

    async def reserve(self, bot: Limit, chat: Limit | None) -> Slot:
        loop = asyncio.get_running_loop()
        await self.process.scheduled()
        await asyncio.sleep(TRIP / 2)
        slot = self.book.reserve_now(bot, chat)
        answered = loop.time()
        await asyncio.sleep(TRIP / 2)
        await self.process.scheduled()
        if slot.reserved:
            self.process.reserved += 1
            self.process.held += 1
            self.process.most_held = max(self.process.most_held, self.process.held)
        return replace(slot, wait=slot.wait - (loop.time() - answered))

    async def sent(self, slot: Slot, at: float | None = None) -> None:
        await self.process.scheduled()
        await asyncio.sleep(TRIP / 2)
        self.book.sent_now(slot, at)

    async def pause(self, limits: Sequence[Limit], seconds: float) -> None:
        await self.book.pause(limits, seconds)


@dataclass
class Platform:
    """The gate's strict windows, and how long requests take to reach them."""

    rng: random.Random
    slow: float = 0.0
    """Share of requests delayed 20-100 ms on their way."""
    gate: RateGate = field(default_factory=lambda: RateGate("telegram", "http://127.0.0.1:9"))
    arrivals: list[float] = field(default_factory=list)

    async def send(self, process: Process, pacer: Pacer, bot: Limit, chat: str) -> None:
        loop = asyncio.get_running_loop()
        slot = await pacer.slot(bot, chat_limit("tg", f"tg:chat:{chat}", TELEGRAM))
        await process.scheduled()  # a stalled process wakes late for its slot
        process.held -= 1
        delay = 0.001 + self.rng.uniform(0.020, 0.100) * (self.rng.random() < self.slow)
        await asyncio.sleep(delay)
        windows = telegram("POST", "/botT/sendMessage", {"chat_id": int(chat)})
        assert self.gate.admit(windows, loop.time()) is None, f"429 at {loop.time():.3f}"
        self.arrivals.append(loop.time())
        await asyncio.sleep(0.001)  # the answer's way back
        await process.scheduled()
        await pacer.sent(slot)

    async def lane(self, process: Process, pacer: Pacer, bot: Limit, chat: str, n: int) -> None:
        for _ in range(n):
            await self.send(process, pacer, bot, chat)


def stalls(rng: random.Random, every: float, low: float, high: float) -> list[tuple[float, float]]:
    """Moments a loaded host does not run a process: one ``low``-``high`` s stall about
    every ``every`` seconds over the first minute."""
    spans, at = [], rng.uniform(0, every)
    while at < 60:
        length = rng.uniform(low, high)
        spans.append((at, at + length))
        at += length + rng.expovariate(1 / every)
    return spans


def share(times: Sequence[float], count: int, window: float) -> float:
    ordered = sorted(times)
    return (len(ordered) - 1) / (ordered[-1] - ordered[0]) / (count / window)


def broadcast(processes: Sequence[Process], platform: Platform, chats: int) -> None:
    """One message to each of ``chats`` private chats, the chats dealt round the processes
    (as claims spread lanes), every lane starting at once."""
    bot = bot_limit("tg", TELEGRAM)

    async def main() -> None:
        book = MemorySlots(asyncio.get_running_loop().time)
        pacers = [Pacer(Seen(book, process)) for process in processes]
        await asyncio.gather(
            *(
                platform.send(processes[n % len(processes)], pacers[n % len(pacers)], bot, chat)
                for n, chat in enumerate(str(6_000_000 + n) for n in range(chats))
            )
        )

    virtualtime.run(main())


def test_one_process_fills_the_bot_without_a_burst() -> None:
    platform = Platform(random.Random(1))
    broadcast([Process()], platform, 300)
    assert not platform.gate.refused
    assert share(platform.arrivals, 30, 1.0) >= 0.95
    first = sorted(platform.arrivals)
    paced = 29 * bot_limit("tg", TELEGRAM).interval  # arrivals jitter by a few ms
    assert first[29] - first[0] >= paced - 0.01, "no saved-up burst: paced from the first"
    assert first[30] - first[0] >= 1.0 - 1e-9, "never 31 in a second"


def test_late_and_slow_sends_never_overfill_a_window() -> None:
    """A process the host leaves alone 10-60 ms at a time, and one request in ten taking
    20-100 ms more to arrive (past the 40 ms pacing margin): no window holds one too many,
    and the rate stays at 95 %."""
    rng = random.Random(2)
    process = Process(stalls(rng, every=0.4, low=0.010, high=0.060))
    platform = Platform(rng, slow=0.1)
    broadcast([process], platform, 450)
    assert not platform.gate.refused
    assert share(platform.arrivals, 30, 1.0) >= 0.95
    assert process.reserved == 450, "a late sender keeps its slot: one slot per message"


def test_three_processes_share_the_bot_and_a_stalled_one_wastes_nothing() -> None:
    """Three processes, one of them stalled 60 ms about every quarter second: it sends
    its few slots late instead of giving them up, the others go on meanwhile, and none
    ever holds more than the bot's next few slots (those its heads booked ahead, and the
    two due)."""
    rng = random.Random(3)
    processes = [
        Process(stalls(rng, every=0.25, low=0.060, high=0.060)),
        Process(stalls(rng, every=1.0, low=0.005, high=0.030)),
        Process(stalls(rng, every=1.0, low=0.005, high=0.030)),
    ]
    platform = Platform(rng, slow=0.05)
    broadcast(processes, platform, 600)
    assert not platform.gate.refused
    assert share(platform.arrivals, 30, 1.0) >= 0.95
    assert sum(process.reserved for process in processes) == 600, "no slot given up"
    assert max(process.most_held for process in processes) <= HEADS + 2


def test_chats_keep_their_own_windows_across_stalls() -> None:
    """A group (20 a minute) and two private chats (1 a second) from a stalled process with
    slow requests: each chat's window holds its count, whatever arrived late."""
    rng = random.Random(4)
    process = Process(stalls(rng, every=0.3, low=0.020, high=0.080))
    platform = Platform(rng, slow=0.3)
    bot = bot_limit("tg", TELEGRAM)

    async def main() -> None:
        pacer = Pacer(Seen(MemorySlots(asyncio.get_running_loop().time), process))
        await asyncio.gather(
            platform.lane(process, pacer, bot, "-1001000000001", 25),
            platform.lane(process, pacer, bot, "5000001", 40),
            platform.lane(process, pacer, bot, "5000002", 40),
        )

    virtualtime.run(main())
    assert not platform.gate.refused
    accepted = platform.gate.accepted
    assert share(accepted["group:-1001000000001"], 20, 60) >= 0.95
    assert min(share(accepted[f"private:{chat}"], 1, 1) for chat in ("5000001", "5000002")) >= (
        0.95
    )
