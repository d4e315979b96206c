"""What rewards add to an ordinary group message: the same Telegram updates through two
started runtimes in one process, every built-in feature on in both, one of them with
``[features] disable = ["rewards"]``.

    .venv/bin/python -m benchmarks.rewards [--rounds 7] [--count 1000] [--postgres]

Each side is what :mod:`benchmarks.inbound` measures: a whole runtime with a Telegram bot
(aiogram backend) on the loopback fake Bot API, its own database, updates of the shape
Telegram sends handed to the bot's intake in getUpdates-sized batches, a batch counted once
every event is committed; delivery and jobs paused. Rounds interleave the two sides and
swap which goes first each round, so a burst of load elsewhere hits both; the figure is
the cost ratio (time with rewards / time without) per round, min / median / max, and the
note has the same ratio of the process's CPU time, which other load on the host
disturbs less (the database server's CPU, for PostgreSQL, is not in it).

Four mixes, each text one no other repeats or copies. *Ordinary*: members who wrote
before post two messages each, so the first earns XP and the second falls in its
cooldown (half the messages write a wallet), each member's two next to each other (so in
one transaction). *Ordinary, spread*: the same messages, every member's first before
anyone's second, as in a chat where a member's messages have others' between them (the
second ones come in later transactions, after the grants committed; informative).
*Every message earns*: one message per member, all of them writing. *New members*: the
ordinary mix from members never seen before (their first message creates their person;
informative). The cooldown is set to 1 s for the run and each round waits it out, so the
members are out of it again.
Goal: an ordinary message with rewards costs at most 1.15 times the same without.

Until the rewards feature is registered (``bots.runtime.default_features``) both sides are
the same runtime: the run says so and its ratio is only the harness's noise.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

from benchmarks.common import Ratios, Row, database, migrate, postgres_reachable, print_table
from benchmarks.inbound import GROUP, Project, Update, timed
from tests.fakes.bots import config, telegram_bot
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from townsquare.bots.runtime import Runtime, default_features

GOAL = 1.15
SENTENCES = (
    "good morning everyone, how is the week going",
    "see you at the meetup tonight, I will bring the projector",
    "I pushed the fix, can someone review it when they have a minute",
    "The venue changed: we meet at the library at 7 pm",
    "does anyone have the slides from last Thursday's talk",
    "welcome to the new members, introduce yourselves in this thread",
)
MIXES = {"ordinary": 2, "ordinary, spread": 2, "every message earns": 1, "new members": 2}
"""Messages per member in a round: the first earns XP, the others are in its cooldown."""
SPREAD = "ordinary, spread"
COOLDOWN = 1.0
"""Seconds between two messages of a member that earn XP, set for the run (``/levels set
cooldown 1s``) so that every member is out of it again at the next round."""
NOT_PRESENT = "rewards feature not present"


def rewards_present() -> bool:
    return any(feature.name == "rewards" for feature in default_features())


_members = itertools.count(20_000_000, 10_000)
_updates = itertools.count(30_000_000, 10_000)


def messages(
    count: int, per_member: int, first_member: int, round_number: int, *, spread: bool = False
) -> list[Update]:
    """``count`` group messages from ``count / per_member`` members from ``first_member``
    on, each member's next to each other (``spread``: every member's first, then every
    member's second...). Every text is one a member would write and none repeats or copies
    another (each names its member and round), so whether it earns XP is the cooldown's
    call alone."""
    now = p.now()
    first_update = next(_updates)
    updates = []
    members = count // per_member
    for n in range(count):
        member = first_member + (n % members if spread else n // per_member)
        user = {
            "id": member,
            "is_bot": False,
            "first_name": f"Member{member}",
            "last_name": "Doe",
            "username": f"member{member}",
            "language_code": "en",
        }
        sentence = SENTENCES[(member + n) % len(SENTENCES)]
        updates.append(
            {
                "update_id": first_update + n,
                "message": {
                    "message_id": first_update + n,
                    "from": user,
                    "chat": GROUP,
                    "date": now,
                    "text": f"{sentence} (table {member % 10_000}, round {round_number})"
                    + (f", part {n // members}" if spread else ""),
                },
            }
        )
    return updates


def levels_command(text: str) -> Update:
    update = p.command(text, p.ADMIN)
    update["update_id"] = next(_updates)
    return update


@asynccontextmanager
async def side(url: str, *, rewards: bool) -> AsyncIterator[Project]:
    """A started runtime with one Telegram bot on its own fake API; rewards on or off."""
    api = await FakeBotApi().start()
    api.administrators[int(str(GROUP["id"]))] = [p.owner(p.ADMIN)]
    await migrate(url)
    sections = {} if rewards or not rewards_present() else {"features": {"disable": ["rewards"]}}
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


@dataclass
class Result:
    ratios: Ratios
    cpu: Ratios = field(default_factory=Ratios)
    """CPU time with rewards / without, per round (the process's, every thread): what the
    host's other load disturbs less than the wall clock."""
    on_rates: list[float] = field(default_factory=list)
    off_rates: list[float] = field(default_factory=list)
    on_statements: float = 0.0
    off_statements: float = 0.0


async def measure(db: str, mix: str, count: int, rounds: int) -> Result:
    """Interleaved rounds of ``count`` messages of ``mix`` through rewards on and off.

    The members of ``ordinary`` and ``every message earns`` wrote before (a warm-up round
    made them known), as most authors of a chat's messages did; each round waits out the
    cooldown first. ``new members`` are new every round (their first message creates
    their person)."""
    per_member, spread = MIXES[mix], mix == SPREAD
    result = Result(Ratios())
    members = count // per_member
    async with AsyncExitStack() as stack:
        on = await stack.enter_async_context(
            side(await stack.enter_async_context(database(db)), rewards=True)
        )
        off = await stack.enter_async_context(
            side(await stack.enter_async_context(database(db)), rewards=False)
        )
        first = next(_members)
        for bench in (on, off):
            await bench.feed([levels_command(f"/levels set cooldown {COOLDOWN:g}s")])
            await bench.feed(messages(count, per_member, first, 0, spread=spread))  # warm-up
            bench.statements = bench.events = 0
        gc.collect()
        gc.freeze()
        try:
            for number in range(1, rounds + 1):
                if mix == "new members":
                    first = next(_members)
                assert members < 10_000
                order = (off, on) if number % 2 else (on, off)
                rates, cpu = {}, {}
                await asyncio.sleep(COOLDOWN)  # every member out of the cooldown
                for bench in order:
                    started = time.process_time()
                    rates[id(bench)] = await timed(
                        bench.feed, messages(count, per_member, first, number, spread=spread)
                    )
                    cpu[id(bench)] = time.process_time() - started
                on_rate, off_rate = rates[id(on)], rates[id(off)]
                result.on_rates.append(on_rate)
                result.off_rates.append(off_rate)
                result.ratios.add(off_rate / on_rate)
                result.cpu.add(cpu[id(on)] / cpu[id(off)])
        finally:
            gc.unfreeze()
        result.on_statements = on.statements / on.events
        result.off_statements = off.statements / off.events
    return result


async def rows(databases: list[str], rounds: int, quick: bool) -> list[Row]:
    """The runner's rows: the ordinary mix on each database (the goal), every message
    earning and new members on SQLite (informative)."""
    present = rewards_present()
    if not present:
        print(f"{NOT_PRESENT}: both sides run the same features (the harness's noise)")
    count = 300 if quick else 1000
    out: list[Row] = []
    plan = [(db, mix) for db in databases for mix in ("ordinary", SPREAD)]
    plan += [("sqlite", "every message earns"), ("sqlite", "new members")]
    for db, mix in plan:
        result = await measure(db, mix, count, rounds)
        name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[db]
        goal_row = mix == "ordinary"
        out.append(
            Row(
                goal=(
                    f"{mix} message, {name}, rewards on: <= {GOAL:g}x rewards off"
                    if goal_row
                    else f"{mix}, {name}, rewards on vs off"
                ),
                baseline=f"rewards off {_rate(result.off_rates)}",
                figure=f"{result.ratios.text()} ({_rate(result.on_rates)})",
                met=(result.ratios.median <= GOAL if goal_row else None) if present else None,
                note=(
                    f"CPU {result.cpu.text()}; {result.on_statements:.2f} vs "
                    f"{result.off_statements:.2f} statements/update"
                    if present
                    else NOT_PRESENT
                ),
            )
        )
    return out


def _rate(values: list[float]) -> str:
    ordered = sorted(values)
    return f"{ordered[len(ordered) // 2]:,.0f}/s"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="300 messages a round")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL too")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    databases = ["sqlite"]
    if args.postgres and postgres_reachable():
        databases.append("postgresql")
    print_table(await rows(databases, args.rounds, args.quick))


if __name__ == "__main__":
    asyncio.run(main())
