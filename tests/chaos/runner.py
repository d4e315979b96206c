"""One chaos run: real processes, the scripted replay paced in real time, faults injected
at seeded instants, and every effect counted at the end.

The run never sleeps to wait for something: it waits on the fake's recorded state (or the
outbox table) with a bounded deadline (:func:`until`). The only timed sleeps pace the
replay and schedule the faults, which is what the replay is.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from tests.chaos import effects
from tests.chaos.botapi import ChaosBotApi
from tests.chaos.processes import Fleet, Lease, Outbox
from tests.chaos.script import Script, build
from tests.fakes.balancer import Balancer
from tests.fakes.tcpproxy import TcpProxy

LEASE_BOUND = 35.0
"""After a SIGKILL, another process (or the next start) takes the dead one's rows over
within one lease (30 s) plus the claim interval and the restart."""
GRACEFUL_BOUND = 5.0
"""After a graceful stop, the next start sends the first queued message within 5 s."""
STALL = 45.0
"""After the replay, effects are waited for while the fake still sees requests; after this
long without any (longer than a lease) what is missing is lost."""
IN_TRANSIT = 2.0
"""Seconds a send may reach the fake after the SIGKILL of the process that sent it (the
request was on its way, the fake answered later): its repeat is still the kill's."""
TAKEOVER_CAP = 60.0
"""How long a takeover is watched before it is reported as "more than this"."""


@dataclass(frozen=True)
class Mode:
    name: str
    database: str
    """``sqlite`` or ``postgresql``."""
    processes: int = 1
    webhook: bool = False


@dataclass(frozen=True)
class Size:
    updates: int
    kills: int
    rate: float
    """Replay updates pushed per second."""
    final_wait: float
    """After the replay, how long the effects may take to complete."""


@dataclass(frozen=True)
class Faults:
    kills: int = 0
    storm_seconds: float = 0.0
    cut_seconds: float = 0.0


@dataclass
class Outcome:
    mode: str
    seed: int
    updates: int
    faults: Faults
    figures: effects.Figures
    kills: int = 0
    takeovers: list[tuple[float, float]] = field(default_factory=list)
    """Per SIGKILL: seconds until the first and until the last row the dead process held
    leased was taken over or sent (``inf``: not within :data:`TAKEOVER_CAP`); kills that
    left no leased row are absent. The guarantee is on the first (the first queued
    message goes out within one lease); the last also waits for room and send slots."""
    graceful: float | None = None
    """Seconds from the restarted process's first Bot API call (getMe) to its first send."""
    startup: float | None = None
    """Seconds from spawning that process to its first Bot API call (imports, migrations)."""
    throttled: int = 0
    repeated_toasts: int = 0
    crashes: list[str] = field(default_factory=list)
    webhook_failures: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds from the start of the run to the end of each phase."""
    exit_codes: list[int | None] = field(default_factory=list)
    kill_times: list[float] = field(default_factory=list)
    """When each SIGKILL was sent (``monotonic``, the fake's clock too)."""

    def repeats_by_kill(self) -> tuple[Counter[int], int]:
        """Doubled sends per kill (the last kill between two copies), and the doubles
        with no kill between their copies: those are not repeats but bugs."""
        per_kill: Counter[int] = Counter()
        unexplained = 0
        for _kind, times in self.figures.doubles:
            for first, second in pairwise(times):
                between = [
                    n for n, at in enumerate(self.kill_times) if first - IN_TRANSIT <= at <= second
                ]
                if between:
                    per_kill[between[-1]] += 1
                else:
                    unexplained += 1
        return per_kill, unexplained

    @property
    def allowed_doubles(self) -> int:
        return self.kills

    def problems(self) -> list[str]:
        found = list(self.crashes)
        if self.figures.lost:
            found.append(f"{self.figures.lost} effects lost")
        if self.figures.doubled > self.allowed_doubles:
            found.append(
                f"{self.figures.doubled} effects doubled (allowed {self.allowed_doubles}: "
                "one repeated send per kill)"
            )
        _per_kill, unexplained = self.repeats_by_kill()
        if unexplained:
            found.append(f"{unexplained} effects doubled with no kill between the copies")
        slow = [first for first, _last in self.takeovers if first > LEASE_BOUND]
        if slow:
            found.append(
                f"{len(slow)} SIGKILLs whose first held message went out after more than "
                f"{LEASE_BOUND:g} s ({', '.join(_seconds(d) for d in slow)})"
            )
        if self.graceful is not None and self.graceful > GRACEFUL_BOUND:
            found.append(
                f"first queued message {self.graceful:.1f} s after a graceful restart "
                f"(bound {GRACEFUL_BOUND:g} s from the process's first Bot API call)"
            )
        return found


SUMMARY: list[Outcome] = []
"""Every outcome of this pytest session, printed as a table at the end."""


async def until(
    api: ChaosBotApi, done: Callable[[], Awaitable[bool]], deadline: float, every: float = 0.25
) -> bool:
    """Wait until ``done()`` is true, re-checking when the fake records something (at most
    every ``every`` seconds); False if ``deadline`` (monotonic) passed first."""
    while True:
        checked = time.monotonic()
        if await done():
            return True
        if checked >= deadline:
            return False
        await api.changed(max(0.0, min(deadline - checked, 1.0)))
        pause = every - (time.monotonic() - checked)
        if pause > 0:
            await asyncio.sleep(pause)  # throttles the checks; the wait itself is above


@dataclass
class Run:
    """The moving parts of one run, started and stopped together."""

    mode: Mode
    workdir: Path
    database_url: str
    """What the processes use (through the proxy when the database is cut)."""
    monitor_url: str
    """What the test reads the outbox with (never through the proxy)."""
    drain_seconds: float | None = None
    api: ChaosBotApi = field(default_factory=ChaosBotApi)
    balancer: Balancer | None = None
    fleet: Fleet | None = None
    outbox: Outbox | None = None

    async def __aenter__(self) -> Run:
        await self.api.start()
        webhook_url = None
        if self.mode.webhook:
            self.balancer = await Balancer([]).start()
            webhook_url = self.balancer.url
        self.fleet = Fleet(
            self.workdir,
            self.database_url,
            self.api.url,
            self.api.token,
            size=self.mode.processes,
            webhook_url=webhook_url,
            drain_seconds=self.drain_seconds,
        )
        if self.balancer is not None:
            self.balancer.upstreams = self.fleet.upstreams
            self.api.push_webhooks()
        await self.fleet.prepare()
        await self.fleet.start_all()
        self.outbox = Outbox(self.monitor_url)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self.fleet is not None:
            await self.fleet.stop_all()
        if self.outbox is not None:
            await self.outbox.close()
        if self.balancer is not None:
            await self.balancer.close()
        await self.api.close()

    async def seed(self, script: Script) -> dict[int, tuple[int, int]]:
        for update in script.seed_updates:
            await self.api.push(update)

        async def seeded() -> bool:
            return effects.seeded(self.api, script)

        deadline = time.monotonic() + 60 + script.groups * 0.2
        if not await until(self.api, seeded, deadline):
            raise AssertionError(f"seeding did not finish\n{await self.diagnose()}")
        return effects.polls(self.api)

    async def diagnose(self) -> str:
        """What the fake saw, what is left in the outbox, and the processes' logs."""
        calls = Counter(f"{r.method} {r.status}" for r in self.api.log if r.method != "getUpdates")
        try:
            pending = await self.outbox.pending() if self.outbox else {}
            owners = Counter(str(lease.owner) for lease in pending.values())
            left = f"{len(pending)} pending outbox rows, by lease owner: {dict(owners)}"
        except Exception as error:  # the database may be cut right now
            left = f"outbox unreadable: {error}"
        return (
            f"fake Bot API calls: {dict(calls)}\nwebhook backlog {self.api.webhook_backlog()}, "
            f"failed deliveries {self.api.webhook_failures}\n{left}\n{self.logs()}"
        )

    async def settle(self, script: Script, polls: dict[int, tuple[int, int]], wait: float) -> bool:
        """Wait until every effect happened and nothing is left to send, or until nothing
        moved for :data:`STALL` seconds (what is missing then is lost, not slow), at most
        ``wait`` seconds."""
        assert self.outbox is not None

        def moved() -> float:
            """Requests that did something (long polls do not count) and updates delivered."""
            calls = sum(1 for r in self.api.log if r.method != "getUpdates" and r.status == 200)
            return calls + self.api.webhook_attempts - self.api.webhook_failures

        progress = {"seen": moved(), "at": time.monotonic()}

        async def complete() -> bool:
            if moved() != progress["seen"]:
                progress.update(seen=moved(), at=time.monotonic())
            if time.monotonic() - progress["at"] > STALL:
                return True  # stalled: counted as it is
            if self.api.webhook_backlog() or effects.count(self.api, script, polls).lost:
                return False
            with contextlib.suppress(Exception):  # the database may still be cut
                return not await self.outbox.pending()  # type: ignore[union-attr]
            return False

        return await until(self.api, complete, time.monotonic() + wait, every=0.5)

    def logs(self, tail: int = 60) -> str:
        return self.fleet.logs(tail) if self.fleet else ""


async def replay(
    mode: Mode,
    size: Size,
    seed: int,
    workdir: Path,
    database_url: str,
    faults: Faults,
    proxy: TcpProxy | None = None,
    monitor_url: str | None = None,
) -> tuple[Outcome, str]:
    """Run the script under ``faults``; the outcome and the processes' logs."""
    began = time.monotonic()
    rng = random.Random(seed)
    script = build(size.updates, seed)
    outcome = Outcome(mode.name, seed, size.updates, faults, effects.Figures())
    async with Run(mode, workdir, database_url, monitor_url or database_url) as run:
        assert run.fleet is not None and run.outbox is not None
        polls = await run.seed(script)
        outcome.phases["seeded"] = time.monotonic() - began
        duration = size.updates / size.rate
        watchers: list[asyncio.Task[tuple[float, float] | None]] = []

        async def pace() -> None:
            start = time.monotonic()
            for index, step in enumerate(script.steps):
                due = start + index / size.rate
                if due > time.monotonic():
                    await asyncio.sleep(due - time.monotonic())
                await run.api.push({"update_id": step.update_id, **step.build(polls)})

        async def up() -> bool:
            """Every process started has made its first Bot API call (imports are done)."""
            assert run.fleet is not None
            starts = sum(member.starts for member in run.fleet.members)
            return sum(1 for r in run.api.log if r.method == "getMe") >= starts

        async def at_work() -> None:
            """Until the processes are up, then a random instant of their work."""
            await until(run.api, up, time.monotonic() + 180)
            await asyncio.sleep(rng.uniform(0.5, 3.0))

        async def kills_then_storm() -> None:
            assert run.fleet is not None and run.outbox is not None
            for _ in range(faults.kills):
                await at_work()
                victim = rng.randrange(mode.processes)
                killed_at = await run.fleet.kill(victim)
                outcome.kill_times.append(killed_at)
                held = await run.outbox.leased()
                await run.fleet.start(victim)
                watchers.append(asyncio.create_task(_takeover(run.outbox, held, killed_at)))
            if faults.storm_seconds:
                await at_work()
                run.api.storm(faults.storm_seconds, retry_after=2)

        async def cut_at(moment: float) -> None:
            assert proxy is not None
            await asyncio.sleep(moment)
            proxy.cut()
            await asyncio.sleep(faults.cut_seconds)
            proxy.restore()

        chaos = [kills_then_storm()]
        if faults.cut_seconds:
            chaos.append(cut_at(rng.uniform(0.2, 0.5) * duration))
        await asyncio.gather(pace(), *chaos)
        outcome.phases["replayed"] = time.monotonic() - began
        await run.settle(script, polls, size.final_wait)
        outcome.phases["settled"] = time.monotonic() - began
        outcome.takeovers = [d for d in await asyncio.gather(*watchers) if d is not None]
        outcome.kills = run.fleet.kills
        outcome.figures = effects.count(run.api, script, polls)
        outcome.throttled = run.api.throttled
        outcome.repeated_toasts = run.api.repeated_toasts
        outcome.webhook_failures = run.api.webhook_failures
        logs = await run.diagnose()
        outcome.exit_codes = await run.fleet.stop_all()
        outcome.crashes = list(run.fleet.crashes)
        logs += "\n" + run.logs(tail=15)
    outcome.seconds = time.monotonic() - began
    SUMMARY.append(outcome)
    return outcome, logs


async def _takeover(
    outbox: Outbox, held: dict[int, Lease], killed_at: float
) -> tuple[float, float] | None:
    """Seconds until the first and the last row the dead process held leased was taken
    over or sent.

    Rows of owners seen still working after the kill (another live process renewing or
    claiming) are not the dead process's and are left out."""
    if not held:
        return None
    owners = {lease.owner for lease in held.values()}
    alive: set[str | None] = set()
    resolved: dict[int, float] = {}
    while len(resolved) < len(held) and time.monotonic() - killed_at < TAKEOVER_CAP:
        try:
            current = await outbox.pending()
        except Exception:  # the database may be cut right now
            current = None
        if current is not None:
            now = time.monotonic()
            for row, lease in current.items():
                if lease.owner in owners and held.get(row) != lease:
                    alive.add(lease.owner)
            for row, lease in held.items():
                if row not in resolved and current.get(row) != lease:
                    resolved[row] = now - killed_at
        if len(resolved) < len(held):
            await asyncio.sleep(0.25)  # sampling the table; bounded by TAKEOVER_CAP
    dead = [resolved.get(row, math.inf) for row, lease in held.items() if lease.owner not in alive]
    if not dead:
        return None
    return min(dead), max(dead)


def table(outcomes: list[Outcome]) -> str:
    """The summary: one line per run."""
    head = (
        f"{'run':<40} {'seed':>6} {'upd':>6} {'kills':>5} {'effects':>7} {'lost':>5} "
        f"{'doubled':>7} {'allowed':>7} {'takeover 1st/last':>17} {'startup s':>9} "
        f"{'graceful s':>10} "
        f"{'429s':>5} {'toast rep':>9} "
        f"{'secs':>5}  lost by kind"
    )
    lines = [head, "-" * len(head)]
    for o in outcomes:
        takeover = "-"
        if o.takeovers:
            first = max(first for first, _last in o.takeovers)
            last = max(last for _first, last in o.takeovers)
            takeover = f"{_seconds(first)}/{_seconds(last)}"
        lost_by_kind = ", ".join(
            f"{name} {kind.lost}/{kind.expected}"
            for name, kind in o.figures.kinds.items()
            if kind.lost or kind.doubled
        )
        doubles = ", ".join(
            f"{name} +{kind.doubled}" for name, kind in o.figures.kinds.items() if kind.doubled
        )
        per_kill, unexplained = o.repeats_by_kill()
        if doubles:
            spread = "/".join(str(per_kill[n]) for n in range(len(o.kill_times)))
            doubles += f" (per kill {spread}; without a kill {unexplained})"
        lines.append(
            f"{o.mode:<40} {o.seed:>6} {o.updates:>6} {o.kills:>5} {o.figures.expected:>7} "
            f"{o.figures.lost:>5} {o.figures.doubled:>7} {o.allowed_doubles:>7} "
            f"{takeover:>17} {_seconds(o.startup):>9} {_seconds(o.graceful):>10} "
            f"{o.throttled:>5} {o.repeated_toasts:>9} "
            f"{o.seconds:>5.0f}  {lost_by_kind or '-'}{'; doubled: ' + doubles if doubles else ''}"
        )
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if math.isinf(value):
        return "never"  # not within the time watched
    return f"{value:.1f}"
