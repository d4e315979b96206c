"""What analytics costs: the counters on an ordinary message, and ``/stats 90d`` over a
big history.

    .venv/bin/python -m benchmarks.analytics [--rounds 7] [--quick] [--postgres]
        [--days 400] [--dau 2000]

*Counters*: the same Telegram updates through two started runtimes in one process, every
built-in feature on in both, one of them with ``[features] disable = ["analytics"]``; the
shape of :mod:`benchmarks.rewards` (rounds interleaved, the order swapped each round, the
figure the cost ratio on / off). *Ordinary*: each round's members are new and write two
messages each (the first is looked up as a person and marked active for the day, the
second is only counted); *first of the day*: one message per new member, every one of
them a lookup and an active row. Goal: an ordinary message costs at most 1.10 times the
same without analytics.

*Reading*: a community's history written straight into the analytics tables: ``--days``
days (default 400, the default retention) of 10 million messages a year (27,400 a day)
from 20,000 members with ``--dau`` of them writing each day (default 2,000: 800,000
active rows), 40 newcomers and 5 cases a day; then ``/stats 90d`` from a manager
through the pipeline (its transaction, both periods' reads, the text), without and with
the chart. Goal: the figures in at most 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import logging
import random
import statistics
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from benchmarks.common import Ratios, Row, database, migrate, postgres_reachable, print_table
from benchmarks.inbound import GROUP, Feed, Project, Update, timed
from tests.fakes.bots import config, telegram_bot
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.support import ALL_CAPABILITIES, COMMUNITY, MemoryAdapter, command, manager
from townsquare.bots.runtime import Runtime
from townsquare.core.capabilities import Capability
from townsquare.core.events import CommandIssued
from townsquare.storage.analytics import gap_of
from townsquare.storage.analytics_models import (
    AnalyticsActiveRow,
    AnalyticsCaseRow,
    AnalyticsDayRow,
    AnalyticsGapRow,
    AnalyticsNewcomerRow,
)
from townsquare.storage.people import SqlPersonDirectory

COUNTER_GOAL = 1.10
READ_GOAL_MS = 100.0
MIXES = {"ordinary": 10, "two a day": 2, "first of the day": 1, "first message ever": 1}
KNOWN = frozenset({"ordinary", "two a day", "first of the day"})
"""Mixes whose members are known already (they wrote before: their accounts exist)."""
PER_DAY = 10_000_000 // 365
MEMBERS = 20_000
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


_members = itertools.count(40_000_000, 10_000)
_updates = itertools.count(50_000_000, 10_000)
SENTENCES = (
    "good morning everyone, how is the week going",
    "see you at the meetup tonight, I will bring the projector",
    "I pushed the fix, can someone review it when they have a minute",
    "does anyone have the slides from last Thursday's talk",
)


def round_of(count: int, per_member: int) -> tuple[list[Update], list[Update]]:
    """A round's group messages from members not seen in this run before, ``per_member``
    each, twice (fresh dicts for each side)."""
    assert count <= 10_000
    first_member, first_update = next(_members), next(_updates)
    now = p.now()

    def build() -> list[Update]:
        updates: list[Update] = []
        for n in range(count):
            member = first_member + n // per_member
            user = {"id": member, "is_bot": False, "first_name": f"Member{member}"}
            text = f"{SENTENCES[(member + n) % len(SENTENCES)]} ({n})"
            message = {
                "message_id": first_update + n,
                "from": user,
                "chat": GROUP,
                "date": now,
                "text": text,
            }
            updates.append({"update_id": first_update + n, "message": message})
        return updates

    return build(), build()


@asynccontextmanager
async def side(url: str, *, analytics: bool) -> AsyncIterator[Project]:
    """A started runtime with one Telegram bot on its own fake API; analytics on or off."""
    api = await FakeBotApi().start()
    api.administrators[int(str(GROUP["id"]))] = [p.owner(p.ADMIN)]
    await migrate(url)
    sections = {} if analytics else {"features": {"disable": ["analytics"]}}
    runtime = Runtime(config(url, telegram_bot(api, "telegram"), **sections))
    await runtime.start()
    await runtime.scheduler.stop()
    await runtime.worker.stop()
    runtime.drain_timeout = 0.1
    try:
        yield Project(runtime, api)
    finally:
        await runtime.stop()
        await api.close()


async def cpu_timed(feed: Feed, updates: list[Update]) -> tuple[float, float]:
    """Updates per second through ``feed`` by the clock, and this process's CPU seconds
    for them (every thread: the SQLite driver's too, not a PostgreSQL server's), which
    the other processes of a loaded machine disturb far less."""
    started = time.process_time()
    rate = await timed(feed, updates)
    return rate, time.process_time() - started


async def counters(
    db: str, mix: str, count: int, rounds: int
) -> tuple[Ratios, list[float], Ratios]:
    """Interleaved rounds of ``count`` messages through analytics on and off: the wall
    clock's ratios, the rates with analytics on, the CPU time's ratios."""
    per_member, ratios, rates, cpu = MIXES[mix], Ratios(), [], Ratios()
    async with AsyncExitStack() as stack:
        on = await stack.enter_async_context(
            side(await stack.enter_async_context(database(db)), analytics=True)
        )
        off = await stack.enter_async_context(
            side(await stack.enter_async_context(database(db)), analytics=False)
        )
        warm_on, warm_off = round_of(min(count, 200), per_member)
        await on.feed(warm_on)
        await off.feed(warm_off)
        gc.collect()
        gc.freeze()
        try:
            for number in range(rounds):
                for_on, for_off = round_of(count, per_member)
                if mix in KNOWN:
                    await known(on.runtime, for_on)
                if number % 2 == 0:
                    off_rate, off_cpu = await cpu_timed(off.feed, for_off)
                    on_rate, on_cpu = await cpu_timed(on.feed, for_on)
                else:
                    on_rate, on_cpu = await cpu_timed(on.feed, for_on)
                    off_rate, off_cpu = await cpu_timed(off.feed, for_off)
                rates.append(on_rate)
                ratios.add(off_rate / on_rate)
                cpu.add(on_cpu / off_cpu)
        finally:
            gc.unfreeze()
    return ratios, rates, cpu


async def known(runtime: Runtime, updates: list[Update]) -> None:
    """Make the updates' senders known people, as members who wrote before are."""
    users = {str(update["message"]["from"]["id"]) for update in updates}
    async with runtime.store.transaction() as tx:
        await SqlPersonDirectory().persons_of(tx, "telegram", users)


async def seed(runtime: Runtime, days: int, dau: int, today: int) -> int:
    """Write ``days`` of history for the test community; how many rows it took."""
    rng = random.Random(21)
    scope = f"c:{COMMUNITY.platform}:{COMMUNITY.id}"
    written = 0
    start = datetime.fromordinal(today - days + 1).replace(tzinfo=UTC)
    async with runtime.engine.begin() as connection:
        day_rows: list[dict[str, object]] = []
        case_rows: list[dict[str, object]] = []
        newcomer_rows: list[dict[str, object]] = []
        last: defaultdict[int, int] = defaultdict(int)
        gap_rows: list[dict[str, object]] = []
        for n in range(days):
            day = today - days + 1 + n
            day_rows.append(
                {
                    "scope": scope,
                    "day": day,
                    "joins": 40,
                    "leaves": 25,
                    "messages": PER_DAY,
                    "replies": PER_DAY // 3,
                    "reactions": PER_DAY // 2,
                    "questions": 60,
                    "answered": 45,
                    "answered_by_bot": 30,
                    "helpful": 20,
                    "cases_opened": 5,
                }
            )
            opened = start + timedelta(days=n, hours=10)
            case_rows += [
                {
                    "scope": scope,
                    "case_id": n * 5 + k,
                    "opened_at": opened,
                    "claimed_at": opened + timedelta(minutes=rng.randint(5, 300)),
                    "resolved_at": opened + timedelta(minutes=rng.randint(300, 3000)),
                }
                for k in range(5)
            ]
            newcomer_rows += [
                {"scope": scope, "person": MEMBERS + n * 40 + k, "day": day} for k in range(40)
            ]
            active = []
            gaps: defaultdict[int, int] = defaultdict(int)
            for person in rng.sample(range(1, MEMBERS + n * 40), dau):
                active.append({"scope": scope, "day": day, "person": person, "prev": last[person]})
                gaps[gap_of(day, last[person])] += 1
                last[person] = day
            gap_rows += [
                {"scope": scope, "day": day, "gap": gap, "people": people}
                for gap, people in gaps.items()
            ]
            for row in day_rows[-1:]:
                row["active"] = dau
            await connection.execute(insert(AnalyticsActiveRow), active)
            written += len(active)
        for table, rows in (
            (AnalyticsDayRow, day_rows),
            (AnalyticsCaseRow, case_rows),
            (AnalyticsGapRow, gap_rows),
            (AnalyticsNewcomerRow, newcomer_rows),
        ):
            await connection.execute(insert(table), rows)
            written += len(rows)
    return written


async def reading(
    db: str, days: int, dau: int, rounds: int
) -> tuple[list[float], list[float], int]:
    """``/stats 90d`` timings in ms without and with the chart, and the rows seeded."""
    plain = frozenset(ALL_CAPABILITIES - {Capability.FILES})
    adapters = {"mem": MemoryAdapter("mem", plain), "img": MemoryAdapter("img")}
    async with database(db) as url:
        await migrate(url)
        consoles = [{"name": name, "platform": "console"} for name in adapters]
        runtime = Runtime(config(url, *consoles), adapters=dict(adapters))
        await runtime.start()
        await runtime.scheduler.stop()
        try:
            today = datetime.now(UTC).date().toordinal()
            rows = await seed(runtime, days, dau, today)
            if db == "postgresql":
                async with runtime.engine.begin() as connection:
                    await connection.execute(text("ANALYZE"))
            figures: list[float] = []
            charted: list[float] = []
            for bot, out in (("mem", figures), ("img", charted)):
                for _round in range(rounds + 1):
                    event = command("stats", "90d", who=manager())
                    started = time.perf_counter()
                    actions = await runtime.pipeline.process([_on(event, bot)])
                    out.append((time.perf_counter() - started) * 1000)
                    assert actions, "the stats were answered"
                del out[0]  # the first warms the caches (and imports matplotlib)
        finally:
            await runtime.stop()
    return figures, charted, rows


def _on(event: CommandIssued, bot: str) -> CommandIssued:
    return replace(event, bot=bot)


async def rows(
    databases: list[str],
    rounds: int,
    quick: bool,
    days: int,
    dau: int,
    *,
    only: str | None = None,
) -> list[Row]:
    count = 300 if quick else 1000
    out: list[Row] = []
    plan = [(db, mix) for db in databases for mix in ("ordinary", "two a day")]
    plan += [("sqlite", "first of the day"), ("sqlite", "first message ever")]
    if only == "reading":
        plan = []
    for db, mix in plan:
        ratios, rates, cpu = await counters(db, mix, count, rounds)
        goal = mix == "ordinary"
        out.append(
            Row(
                goal=(
                    f"{mix} message, {NAMES[db]}, analytics on: <= {COUNTER_GOAL:g}x off"
                    if goal
                    else f"{mix}, {NAMES[db]}, analytics on vs off"
                ),
                baseline="analytics off",
                figure=f"{ratios.text()} ({statistics.median(rates):,.0f}/s)",
                met=ratios.median <= COUNTER_GOAL if goal else None,
                note=f"CPU {cpu.text()}",
            )
        )
    for db in databases if only != "counters" else []:
        figures, charted, seeded = await reading(db, days, dau, rounds)
        median = statistics.median(figures)
        out.append(
            Row(
                goal=f"/stats 90d, {NAMES[db]}: <= {READ_GOAL_MS:g} ms",
                baseline=f"{days} days, {seeded:,} rows",
                figure=f"{min(figures):.1f} / {median:.1f} / {max(figures):.1f} ms",
                met=median <= READ_GOAL_MS,
                note=f"with the chart {statistics.median(charted):.0f} ms",
            )
        )
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="300 messages a round")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL too")
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--dau", type=int, default=2000)
    parser.add_argument(
        "--only", choices=("counters", "reading"), help="measure one goal (default: both)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    databases = ["sqlite"]
    if args.postgres and postgres_reachable():
        databases.append("postgresql")
    print_table(await rows(databases, args.rounds, args.quick, args.days, args.dau, only=args.only))


if __name__ == "__main__":
    asyncio.run(main())
