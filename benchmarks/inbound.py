"""Telegram updates through the real adapter, against aiogram's dispatch to one no-op handler.

    .venv/bin/python -m benchmarks.inbound [--rounds 5] [--postgres]

The project side is a whole started runtime (every built-in feature, the store on SQLite
or PostgreSQL) with a Telegram bot (aiogram backend) on the loopback fake Bot API; updates
of the shape Telegram sends (``message``, ``chat_member``, ``callback_query``) are handed
to the bot's intake in getUpdates-sized batches of 100, exactly as its polling loop hands
them over, and a batch counts once every event is committed. The delivery worker and the
scheduler are paused while measuring: this is the inbound path only.

The baseline, in the same process and interleaved with it round by round: aiogram's
``Dispatcher.feed_raw_update`` with one no-op handler for the update's kind, fed the same
shape in the same batches (concurrently, as aiogram's own polling runs handlers as tasks).

Joins come as bursts of new members (each round's members are new); the waiting greetings
of earlier rounds stay, so a later burst meets more waiting newcomers. Presses are votes
on one poll by new members; their rate, with every vote checked in the database, is also
the "votes persisted per second" figure.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from benchmarks.common import Ratios, counting_statements, database, migrate, settle
from tests.fakes.bots import config, telegram_bot
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from townsquare.bots.runtime import Runtime

BATCH = 100
"""Updates per getUpdates answer (Telegram's default limit)."""
GROUP = p.GROUP
TEXTS = (
    "good morning everyone",
    "see you at the meetup tonight",
    "thanks, that worked for me",
    "lol",
    "I pushed the fix, can someone review it when they have a minute",
    "The venue changed: we meet at the library at 7 pm",
)
Update = dict[str, Any]
Feed = Callable[[Sequence[Update]], Awaitable[None]]

_ids = itertools.count(1_000_000)
_users = itertools.count(5_000_000)


def _user(number: int) -> dict[str, Any]:
    return {
        "id": number,
        "is_bot": False,
        "first_name": f"Member{number}",
        "last_name": "Doe",
        "username": f"member{number}",
        "language_code": "en",
    }


def messages(count: int) -> list[Update]:
    now = p.now()
    return [
        {
            "update_id": next(_ids),
            "message": {
                "message_id": n + 100,
                "from": _user(9_000 + n % 500),
                "chat": GROUP,
                "date": now,
                "text": TEXTS[n % len(TEXTS)],
            },
        }
        for n in range(count)
    ]


def joins(count: int) -> list[Update]:
    updates = []
    for _n in range(count):
        user = _user(next(_users))
        update = p.chat_member(user, "left", "member")
        update["update_id"] = next(_ids)
        updates.append(update)
    return updates


def presses(count: int, poll_id: int) -> list[Update]:
    updates = []
    for n in range(count):
        update = p.callback(f"poll:{poll_id}:{n % 2}", _user(next(_users)))
        update["update_id"] = next(_ids)
        update["callback_query"]["id"] = str(update["update_id"])
        update["callback_query"]["message"]["message_id"] = 4242
        updates.append(update)
    return updates


async def in_batches(handle: Callable[[Update], Awaitable[Any]], updates: Sequence[Update]) -> None:
    for start in range(0, len(updates), BATCH):
        await asyncio.gather(*(handle(update) for update in updates[start : start + BATCH]))


@asynccontextmanager
async def aiogram_noop(kind: str) -> AsyncIterator[Feed]:
    from aiogram import Bot, Dispatcher

    bot = Bot("123456:" + "A" * 35)
    dispatcher = Dispatcher()

    async def noop(*_args: Any) -> None:
        return None

    match kind:
        case "messages":
            dispatcher.message.register(noop)
        case "joins":
            dispatcher.chat_member.register(noop)
        case "presses":
            dispatcher.callback_query.register(noop)

    async def feed(updates: Sequence[Update]) -> None:
        await in_batches(lambda update: dispatcher.feed_raw_update(bot, update), updates)

    try:
        yield feed
    finally:
        await bot.session.close()


@dataclass
class Project:
    runtime: Runtime
    api: FakeBotApi
    statements: int = 0
    events: int = 0
    poll_id: int = 0
    votes: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    async def feed(self, updates: Sequence[Update]) -> None:
        """Batches of updates to the intake, as the polling loop hands a getUpdates answer
        over (``Intake.handle_batch``); an update that could not be stored fails the run."""
        intake = self.runtime.adapters["tg"].intake  # type: ignore[attr-defined]
        with counting_statements(self.runtime.engine) as counted:
            for start in range(0, len(updates), BATCH):
                results = await intake.handle_batch(updates[start : start + BATCH])
                failed = [error for error in results if error is not None]
                if failed:
                    raise RuntimeError(f"{len(failed)} update(s) not stored") from failed[0]
        self.statements += counted.count
        self.events += len(updates)

    async def stored_votes(self) -> int:
        from townsquare.storage.polls_models import PollVoteRow

        async with self.runtime.engine.connect() as connection:
            counted = await connection.scalar(
                select(func.count())
                .select_from(PollVoteRow)
                .where(PollVoteRow.poll_id == self.poll_id)
            )
        return int(counted or 0)


@asynccontextmanager
async def project(url: str, *, freeze: bool = True) -> AsyncIterator[Project]:
    """A started runtime with one Telegram bot on the fake API, delivery and jobs paused."""
    api = await FakeBotApi().start()
    api.administrators[int(str(GROUP["id"]))] = [p.owner(p.ADMIN)]
    await migrate(url)
    runtime = Runtime(config(url, telegram_bot(api, "telegram")))
    await runtime.start()
    await runtime.scheduler.stop()
    await runtime.worker.stop()
    runtime.drain_timeout = 0.1
    if freeze:
        gc.collect()
        gc.freeze()
    try:
        yield Project(runtime, api)
    finally:
        await runtime.stop()
        await api.close()
        gc.unfreeze()


async def create_poll(bench: Project) -> None:
    from townsquare.storage.polls_models import PollRow

    intake = bench.runtime.adapters["tg"].intake  # type: ignore[attr-defined]
    update = p.command("/poll Lunch? Pizza Sushi", p.ADMIN)
    update["update_id"] = next(_ids)
    await intake.handle(update)
    async with bench.runtime.engine.connect() as connection:
        poll_id = await connection.scalar(select(func.max(PollRow.id)))
    assert poll_id is not None, "the /poll command created no poll"
    bench.poll_id = int(poll_id)


async def timed(feed: Feed, updates: Sequence[Update]) -> float:
    """Updates per second through ``feed``."""
    await settle()
    started = time.perf_counter()
    await feed(updates)
    return len(updates) / (time.perf_counter() - started)


@dataclass
class KindResult:
    ratios: Ratios
    rates: list[float]
    base_rates: list[float]
    statements_per_event: float
    extra: dict[str, float] = field(default_factory=dict)


def make(kind: str, count: int, bench: Project) -> list[Update]:
    match kind:
        case "messages":
            return messages(count)
        case "joins":
            return joins(count)
        case "presses":
            return presses(count, bench.poll_id)
    raise ValueError(kind)


async def measure(
    url: str, kind: str, count: int, rounds: int, *, freeze: bool = True
) -> KindResult:
    """Interleaved rounds of the baseline and the project on ``count`` updates of ``kind``."""
    ratios, rates, base_rates = Ratios(), [], []
    async with project(url, freeze=freeze) as bench, aiogram_noop(kind) as baseline:
        if kind == "presses":
            await create_poll(bench)
        await bench.feed(make(kind, min(count, 200), bench))  # warm: caches, statements
        bench.statements = bench.events = 0
        for _round in range(rounds):
            base = await timed(baseline, make(kind, count, bench))
            ours = await timed(bench.feed, make(kind, count, bench))
            base_rates.append(base)
            rates.append(ours)
            ratios.add(ours / base)
        extra: dict[str, float] = {}
        if kind == "presses":
            stored = await bench.stored_votes()
            pressed = min(count, 200) + rounds * count
            extra["votes_missing"] = pressed - stored
        return KindResult(ratios, rates, base_rates, bench.statements / bench.events, extra)


async def burst_scaling(url: str, rounds: int, small: int = 100, large: int = 1000) -> Ratios:
    """Per-join cost of a burst of ``large`` joins over that of a burst of ``small``
    (1.0: a join costs the same in either), rounds interleaved in one runtime."""
    ratios = Ratios()
    async with project(url) as bench:
        await bench.feed(joins(200))
        for _round in range(rounds):
            small_rate = await timed(bench.feed, joins(small))
            large_rate = await timed(bench.feed, joins(large))
            ratios.add(small_rate / large_rate)
    return ratios


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--kinds", nargs="+", default=["messages", "joins", "presses"])
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.postgres else ["sqlite"]
    for db in kinds:
        for kind in args.kinds:
            async with database(db) as url:
                result = await measure(url, kind, args.count, args.rounds)
            print(
                f"{db:<10} {kind:<9} ratio {result.ratios.text()}  "
                f"ours {max(result.rates):,.0f}/s  aiogram no-op {max(result.base_rates):,.0f}/s  "
                f"{result.statements_per_event:.2f} statements/update {result.extra or ''}"
            )


if __name__ == "__main__":
    asyncio.run(main())
