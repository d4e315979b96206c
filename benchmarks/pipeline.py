"""Inbound pipeline throughput: synthetic events through dispatcher + storage.

    .venv/bin/python -m benchmarks.pipeline [--events 20000] [--postgres URL]

Prints events/s for the full persisted pipeline (de-duplication record, features, roster
writes, outbox rows, group commit) next to baselines measured in the same run:

* ``bare insert``: the same number of de-duplication rows written with batched Core
  inserts, no features: the floor of persisted work;
* ``aiogram no-op``: aiogram's own ``Dispatcher.feed_raw_update`` with no handlers, the
  cost of merely receiving an update in the Telegram SDK (skipped without aiogram).

Three mixes are measured: only ordinary messages (the bulk of real traffic), a typical
mix (98 % messages, 1 % joins with a roster write, 1 % ``/help`` with an outbox row) and a
write-heavy one (80 / 10 / 10). Ratios, not absolute numbers, are what to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from townsquare.core.builtin import builtin_features
from townsquare.core.capabilities import Capability
from townsquare.core.dispatcher import Dispatcher
from townsquare.core.events import CommandIssued, Event, MemberJoined, MessagePosted
from townsquare.core.features import BotInfo
from townsquare.core.pipeline import Pipeline
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, MessageRef
from townsquare.storage.database import create_engine
from townsquare.storage.migrate import upgrade
from townsquare.storage.models import ProcessedEvent
from townsquare.storage.store import SqlStore

COMMUNITY = CommunityRef("bench", "c1")
CHANNEL = ChannelRef("general")


MIXES = {"messages only": (0, 0), "typical": (1, 1), "write-heavy": (10, 10)}
"""Per hundred events: (joins, commands); the rest are messages."""


def synthetic_events(count: int, run: str, joins: int = 1, commands: int = 1) -> list[Event]:
    now = datetime.now(UTC)
    events: list[Event] = []
    for n in range(count):
        actor = Actor(user_id=f"u{n % 500}", display_name=f"Member {n % 500}")
        common: dict[str, Any] = {
            "platform": "bench",
            "bot": "bench",
            "event_id": f"{run}:{n}",
            "occurred_at": now,
            "community": COMMUNITY,
            "channel": CHANNEL,
            "actor": actor,
        }
        if n % 100 < joins:
            events.append(MemberJoined(**common, member=actor))
        elif n % 100 < joins + commands:
            events.append(CommandIssued(**common, name="help"))
        else:
            message = MessageRef(CHANNEL, str(n))
            events.append(MessagePosted(**common, message=message, text="hello there"))
    return events


async def bare_insert(url: str, count: int, batch: int = 256) -> float:
    engine = create_engine(url)
    await upgrade(engine)
    now = datetime.now(UTC)
    rows = [
        {
            "platform": "bare",
            "bot": "bare",
            "event_id": f"{time.time_ns()}:{n}",
            "processed_at": now,
        }
        for n in range(count)
    ]
    started = time.perf_counter()
    for start in range(0, count, batch):
        async with engine.begin() as connection:
            await connection.execute(insert(ProcessedEvent), rows[start : start + batch])
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return count / elapsed


async def full_pipeline(url: str, count: int, joins: int = 1, commands: int = 1) -> float:
    engine = create_engine(url)
    await upgrade(engine)
    store = SqlStore(engine)
    bots = {"bench": BotInfo("bench", "bench", frozenset(Capability))}
    pipeline = Pipeline(store, Dispatcher(builtin_features(), bots=bots))
    pipeline.start()
    events = synthetic_events(count, str(time.time_ns()), joins, commands)
    started = time.perf_counter()
    await asyncio.gather(*(pipeline.submit(event) for event in events))
    elapsed = time.perf_counter() - started
    await pipeline.close()
    assert pipeline.metrics["events.processed"] == count, pipeline.metrics.snapshot()
    await engine.dispose()
    return count / elapsed


async def aiogram_noop(count: int) -> float | None:
    try:
        from aiogram import Bot
        from aiogram import Dispatcher as AiogramDispatcher
    except ImportError:
        return None
    bot = Bot("123456:" + "A" * 35)
    dispatcher = AiogramDispatcher()
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": -100, "type": "supergroup", "title": "Bench"},
            "from": {"id": 1, "is_bot": False, "first_name": "Member"},
            "text": "hello there",
        },
    }
    started = time.perf_counter()
    for n in range(count):
        update["update_id"] = n
        await dispatcher.feed_raw_update(bot, update)
    elapsed = time.perf_counter() - started
    await bot.session.close()
    return count / elapsed


async def measure(label: str, url: str, count: int) -> None:
    floor = await bare_insert(url, count)
    sdk = await aiogram_noop(count)
    print(f"\n{label}: {count} events per run")
    print(f"  baseline: bare batched insert    {floor:>9,.0f} rows/s")
    if sdk is not None:
        print(f"  baseline: aiogram no-op dispatch {sdk:>9,.0f} updates/s")
    for mix, (joins, commands) in MIXES.items():
        pipeline = await full_pipeline(url, count, joins, commands)
        line = f"  pipeline, {mix:<14} {pipeline:>9,.0f} events/s  x{pipeline / floor:.2f} bare"
        if sdk is not None:
            verdict = "meets" if pipeline >= sdk else "below"
            line += f"  x{pipeline / sdk:.2f} aiogram no-op ({verdict} the goal of >= 1)"
        print(line)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--postgres", help="postgresql+asyncpg:// URL to measure too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        await measure("SQLite", f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", args.events)
    if args.postgres:
        await measure("PostgreSQL", args.postgres, args.events)


if __name__ == "__main__":
    asyncio.run(main())
