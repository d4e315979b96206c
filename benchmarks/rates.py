"""Share of each platform's allowed rate the delivery worker reaches, and the 429s it gets.

    .venv/bin/python -m benchmarks.rates [--full] [--rounds N] [--processes 1,3]

The real :class:`core.delivery.DeliveryWorker` with the real Telegram (aiogram) and Slack
adapters, against the project's loopback fakes behind a rate-enforcing layer
(:class:`tests.fakes.ratelimits.RateGate`: strict sliding windows per published limit,
429 when one is exceeded). Each round stores a workload in a fresh outbox, then runs the
workers, with one process and with three (separate OS processes sharing one PostgreSQL
database; one process uses it too when it is reachable, else SQLite), until it is sent:

* Telegram: a broadcast to many private chats, once each (the bot's 30/s), in a phase of
  its own; then a group (20/min) and two private chats (1/s each) at the same time;
* Slack: four channels (about 1/s each), in the second phase;
* Discord: a broadcast to many channels of a guild, once each (the bot's 50/s), in the
  first phase; four channels (5 per 5 s each) in the second. Each worker process starts
  the real adapter, gateway session included, against the fake Discord, whose REST is
  behind the gate.

For each limit it prints the share of the allowed rate reached, ``(sends - 1) / span``
over the allowed count per window (min / median / max over rounds and chats), and the 429s
answered, then whether every share is >= 95 % with 0 429s.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from benchmarks.common import PG_BASE, admin_sql, postgres_reachable
from tests.fakes.discord import FakeDiscord
from tests.fakes.ratelimits import RateGate
from tests.fakes.slack.server import FakeSlack
from tests.fakes.telegram.server import FakeBotApi
from townsquare.core.actions import Action, SendMessage
from townsquare.core.refs import ChannelRef
from townsquare.core.text import as_text

SLACK_SECRET = "signing-secret-for-the-rate-benchmark"


@dataclass(frozen=True)
class Size:
    broadcast: int
    group: int
    private: int
    slack: int
    discord_broadcast: int
    discord: int


SMALL = Size(broadcast=150, group=6, private=8, slack=8, discord_broadcast=250, discord=8)
FULL = Size(broadcast=900, group=21, private=30, slack=30, discord_broadcast=1500, discord=30)
DISCORD_CHATS = 4


@dataclass(frozen=True)
class DiscordChannels:
    """The fake guild's channels the Discord workload posts to."""

    broadcast: list[str]
    chats: list[str]


def discord_guild(fake: FakeDiscord, size: Size) -> DiscordChannels:
    names = [f"b{n}" for n in range(size.discord_broadcast)]
    names += [f"chat{n}" for n in range(DISCORD_CHATS)]
    guild = fake.add_guild("Rates", channels=names)
    ids = [str(channel["id"]) for channel in guild.channels]
    return DiscordChannels(ids[: size.discord_broadcast], ids[size.discord_broadcast :])


GROUPS = ["-1001000000001"]
PRIVATES = ["5000001", "5000002"]
SLACK_CHANNELS = ["C0RATE1", "C0RATE2", "C0RATE3", "C0RATE4"]


def broadcast(size: Size, discord: DiscordChannels) -> list[Action]:
    """One message to each of many private chats (Telegram) and channels (Discord): only
    the bots' limits bind."""
    actions: list[Action] = [_send("tg", str(6_000_000 + n), n) for n in range(size.broadcast)]
    return actions + [_send("dc", channel, n) for n, channel in enumerate(discord.broadcast)]


def chats(size: Size, discord: DiscordChannels) -> list[Action]:
    """Many messages to a few chats, interleaved so every lane starts at once: only the
    chats' limits bind (the bot has room to spare)."""
    actions: list[Action] = []
    for n in range(max(size.group, size.private, size.slack, size.discord)):
        if n < size.group:
            actions += [_send("tg", chat, n) for chat in GROUPS]
        if n < size.private:
            actions += [_send("tg", chat, n) for chat in PRIVATES]
        if n < size.slack:
            actions += [_send("sl", channel, n) for channel in SLACK_CHANNELS]
        if n < size.discord:
            actions += [_send("dc", channel, n) for channel in discord.chats]
    return actions


def _send(bot: str, channel: str, n: int) -> SendMessage:
    return SendMessage(bot=bot, channel=ChannelRef(channel), text=as_text(f"message {n}"))


# -- one worker process -------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoints:
    """Where a worker process's adapters send (the gates) and with which tokens."""

    telegram: str
    slack: str
    discord_api: str
    discord_gateway: str
    tokens: tuple[str, str, str]


def worker_process(url: str, endpoints: Endpoints, ready: Any, stop: Any) -> None:
    asyncio.run(_work(url, endpoints, ready, stop))


async def _ignore(event: object) -> None:
    """The Discord adapter's sink: the benchmark only sends."""


async def _work(url: str, endpoints: Endpoints, ready: Any, stop: Any) -> None:
    """A delivery worker with the real adapters until ``stop`` is set; ``ready`` is
    released once it runs, so the workload is stored only when every process is up."""
    from townsquare.bots.config import parse_config
    from townsquare.bots.platforms import adapter_factory
    from townsquare.core.delivery import DeliveryWorker
    from townsquare.core.ports import AdapterDeps
    from townsquare.storage.database import create_engine
    from townsquare.storage.ratelimit import send_slots
    from townsquare.storage.store import SqlStore

    config = parse_config(
        {
            "storage": {"url": url},
            "bots": [
                {
                    "name": "tg",
                    "platform": "telegram",
                    "token": endpoints.tokens[0],
                    "api_url": endpoints.telegram,
                },
                {
                    "name": "sl",
                    "platform": "slack",
                    "token": endpoints.tokens[1],
                    "signing_secret": SLACK_SECRET,
                    "listen": "127.0.0.1:0",
                    "api_url": endpoints.slack,
                },
                {
                    "name": "dc",
                    "platform": "discord",
                    "token": endpoints.tokens[2],
                    "api_url": endpoints.discord_api,
                    "gateway_url": endpoints.discord_gateway,
                    "guild_ready_timeout": 0.2,
                    "sync_commands": False,
                },
            ],
        },
        {},
        "benchmark",
    )
    deps = AdapterDeps(commands=[], managers=frozenset())
    adapters = {bot.name: adapter_factory(bot.platform)(bot, deps) for bot in config.bots}
    await adapters["dc"].start(_ignore)  # REST needs the logged-in client
    engine = create_engine(url)
    slots = send_slots(engine)
    worker = DeliveryWorker(SqlStore(engine), adapters, poll_interval=0.05, slots=slots)
    worker.start()
    gc.freeze()  # as `townsquare run` does once its bots are started (bots/cli.py)
    ready.release()
    try:
        while not stop.is_set():  # noqa: ASYNC110 - another process's flag
            await asyncio.sleep(0.1)
    finally:
        await worker.stop()
        for adapter in adapters.values():
            await adapter.close()
        await slots.close()
        await engine.dispose()


# -- one round ----------------------------------------------------------------------------


async def _database(processes: int) -> tuple[str, str | None]:
    """A fresh database: PostgreSQL when reachable (a new database per round), else an
    SQLite file (one process only). Returns (url, name to drop)."""
    if not postgres_reachable():
        if processes > 1:
            raise RuntimeError(f"several processes need PostgreSQL ({PG_BASE} does not answer)")
        path = Path(tempfile.mkdtemp()) / "rates.db"
        return f"sqlite+aiosqlite:///{path}", None
    name = f"townsquare_rates_{uuid.uuid4().hex[:10]}"
    await admin_sql(f'CREATE DATABASE "{name}"')
    return make_url(PG_BASE).set(database=name).render_as_string(hide_password=False), name


async def _drop(name: str) -> None:
    await admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def one_round(
    size: Size, processes: int
) -> tuple[dict[str, list[float]], dict[str, Counter[str]]]:
    """Shares by limit name, and 429s by platform and kind of limit."""
    from tests.support import enqueue
    from townsquare.storage.database import create_engine
    from townsquare.storage.migrate import upgrade
    from townsquare.storage.store import SqlStore

    telegram = await FakeBotApi().start()
    slack = await FakeSlack().start()
    discord = await FakeDiscord().start()
    channels = discord_guild(discord, size)
    tg_gate = await RateGate("telegram", telegram.url).start()
    sl_gate = await RateGate("slack", slack.base).start()
    dc_gate = await RateGate("discord", discord.base_url).start()
    url, name = await _database(processes)
    try:
        engine = create_engine(url)
        await upgrade(engine)
        store = SqlStore(engine)
        context = multiprocessing.get_context("spawn")
        ready, stop = context.Semaphore(0), context.Event()
        endpoints = Endpoints(
            telegram=tg_gate.url,
            slack=sl_gate.url + "/api",
            discord_api=dc_gate.url,
            discord_gateway=discord.gateway_url,
            tokens=(telegram.token, slack.token, discord.token),
        )
        workers = [
            context.Process(target=worker_process, args=(url, endpoints, ready, stop))
            for _ in range(processes)
        ]
        for process in workers:
            process.start()
        try:
            for _ in workers:
                if not await asyncio.to_thread(ready.acquire, True, 120):
                    raise RuntimeError("a worker process did not start within 120 s")
            for phase in (broadcast, chats):
                await enqueue(store, *phase(size, channels))
                while await store.pending_outbox(["tg", "sl", "dc"]) > 0:  # noqa: ASYNC110
                    await asyncio.sleep(0.2)
        finally:
            stop.set()
            for process in workers:
                await asyncio.to_thread(process.join)
        await engine.dispose()
        failed = [process.exitcode for process in workers if process.exitcode]
        if failed:
            raise RuntimeError(f"a worker process failed (exit codes {failed})")
        refused = {
            "Telegram": _refused(tg_gate),
            "Slack": _refused(sl_gate),
            "Discord": _refused(dc_gate),
        }
        return _shares(tg_gate, sl_gate, dc_gate, channels), refused
    finally:
        for closing in (tg_gate, sl_gate, dc_gate, telegram, slack, discord):
            await closing.close()
        if name is not None:
            await _drop(name)


def _refused(gate: RateGate) -> Counter[str]:
    """429s by the kind of limit that was full (``bot``, ``private``, ``group``...)."""
    return Counter({key.split(":")[0]: count for key, count in gate.refused.items()})


def _share(times: Sequence[float], count: int, window: float) -> float:
    ordered = sorted(times)
    if len(ordered) < 2:
        return float("nan")
    return (len(ordered) - 1) / (ordered[-1] - ordered[0]) / (count / window)


def _shares(
    tg: RateGate, sl: RateGate, dc: RateGate, discord: DiscordChannels
) -> dict[str, list[float]]:
    broadcast = sorted(
        at for key, times in tg.accepted.items() if key.startswith("private:6") for at in times
    )
    discord_broadcast = sorted(at for c in discord.broadcast for at in dc.accepted[f"channel:{c}"])
    return {
        "Telegram bot, 30/s": [_share(broadcast, 30, 1.0)],
        "Telegram group, 20/min": [_share(tg.accepted[f"group:{g}"], 20, 60) for g in GROUPS],
        "Telegram private chat, 1/s": [
            _share(tg.accepted[f"private:{p}"], 1, 1.0) for p in PRIVATES
        ],
        "Slack channel, 1/s": [_share(sl.accepted[f"channel:{c}"], 1, 1.0) for c in SLACK_CHANNELS],
        "Discord bot, 50/s": [_share(discord_broadcast, 50, 1.0)],
        "Discord channel, 5/5 s": [
            _share(dc.accepted[f"channel:{c}"], 5, 5.0) for c in discord.chats
        ],
    }


# -- report -------------------------------------------------------------------------------


async def run(size: Size, rounds: int, process_counts: Sequence[int]) -> bool:
    met = True
    for processes in process_counts:
        shares: dict[str, list[float]] = {}
        refused: dict[str, Counter[str]] = {
            "Telegram": Counter(),
            "Slack": Counter(),
            "Discord": Counter(),
        }
        started = time.monotonic()
        for _ in range(rounds):
            round_shares, round_refused = await one_round(size, processes)
            for limit, values in round_shares.items():
                shares.setdefault(limit, []).extend(values)
            for platform, kinds in round_refused.items():
                refused[platform].update(kinds)
        elapsed = time.monotonic() - started
        label = "process" if processes == 1 else "processes"
        print(f"\n{processes} {label}, {rounds} round(s), {elapsed:.0f} s")
        print(f"  {'limit':<28} {'min':>7} {'median':>7} {'max':>7}")
        for limit, values in shares.items():
            low, mid, high = min(values), statistics.median(values), max(values)
            print(f"  {limit:<28} {low:>7.1%} {mid:>7.1%} {high:>7.1%}")
            met = met and low >= 0.95
        print("  429s: " + ", ".join(_counted(name, kinds) for name, kinds in refused.items()))
        met = met and not any(sum(kinds.values()) for kinds in refused.values())
    verdict = "met" if met else "NOT met"
    print(f"\n>= 95 % of every allowed rate and 0 429s, for every process count: {verdict}")
    return met


def _counted(platform: str, kinds: Counter[str]) -> str:
    total = sum(kinds.values())
    detail = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    return f"{platform} {total}" + (f" ({detail})" if detail else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--full", action="store_true", help="longer rounds (minutes)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per process count")
    parser.add_argument("--processes", default="1,3", help="process counts, e.g. 1,3")
    args = parser.parse_args()
    size = FULL if args.full else SMALL
    rounds = args.rounds or (3 if args.full else 2)
    counts = [int(part) for part in args.processes.split(",") if part.strip()]
    print(
        f"workload per round: {size.broadcast} private chats once, {size.group} messages to "
        f"a group, {size.private} to each of 2 private chats, {size.slack} to each of 4 "
        f"Slack channels; Discord: {size.discord_broadcast} channels once, {size.discord} "
        f"to each of {DISCORD_CHATS} channels ({datetime.now(UTC):%H:%M} UTC)"
    )
    sys.exit(0 if asyncio.run(run(size, rounds, counts)) else 1)


if __name__ == "__main__":
    main()
