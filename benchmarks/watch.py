"""What watch words add to an ordinary group message, with 100 watched phrases: the same
Telegram updates through two started runtimes in one process, every built-in feature on
in both, one of them with ``[features] disable = ["watch"]``.

    .venv/bin/python -m benchmarks.watch [--rounds 7] [--quick] [--postgres] [--aa]

The shape of :mod:`benchmarks.rewards` and :mod:`benchmarks.analytics`: each side is a
whole runtime with a Telegram bot (aiogram backend) on the loopback fake Bot API, its own
database, updates of the shape Telegram sends handed to the bot's intake in
getUpdates-sized batches, a batch counted once every event is committed; delivery and jobs
paused. Before the rounds a manager adds :data:`PHRASES` (100 watched words and phrases,
single words and runs of two or three) with ``/watch add`` on both sides (the side without
the feature answers nothing to them), and a warm-up round compiles the list. Rounds
interleave the two sides and swap which goes first each round; the figure is the cost
ratio (time with watch / time without) per round, min / median / max, and the note has the
same ratio of the process's CPU time, which the host's other load disturbs less.

*Ordinary*: members who wrote before post messages that mention no watched phrase (every
text differs: each names its member and round), so each one is scanned and nothing is
written. Goal: at most 1.10 times the same without watch words. *One in ten mentions*:
every tenth message mentions a watched phrase (a kept mention, its count, the digest job
scheduled); informative. ``--aa`` first runs the ordinary mix with watch words on in
both runtimes: the spread of that ratio is what the host's other load alone does to the
figure.
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
from townsquare.bots.runtime import Runtime
from townsquare.storage.watch_models import WatchPhraseRow

GOAL = 1.10
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
_WORD_LIST = (
    "refund chargeback lawsuit breach outage downtime scam phishing invoice overcharged "
    "cancel unsubscribe bankrupt recall lawyer regulator complaint boycott leak hacked "
    "malware ransomware fraud counterfeit delayed lost broken defective dangerous toxic "
    "injury fire explosion smoke outrage racist harassment doxxing stalking spam "
    "crypto airdrop wallet seedphrase password login twofactor moderator ban kicked"
)
_WORDS = _WORD_LIST.split()
PHRASES: tuple[str, ...] = tuple(
    dict.fromkeys(
        [*_WORDS[:50]]
        + [f"{a} {b}" for a, b in zip(_WORDS[:25], _WORDS[25:50], strict=True)]
        + [
            f"{a} {b} {c}"
            for a, b, c in zip(_WORDS[:25], _WORDS[10:35], _WORDS[20:45], strict=True)
        ]
    )
)[:100]
SENTENCES = (
    "good morning everyone, how is the week going",
    "see you at the meetup tonight, I will bring the projector",
    "I pushed the fix, can someone review it when they have a minute",
    "The venue changed: we meet at the library at 7 pm",
    "does anyone have the slides from last Thursday's talk",
    "welcome to the new members, introduce yourselves in this thread",
)
MIXES = {"ordinary": 0, "one in ten mentions": 10}
"""Every how many messages one mentions a watched phrase (0: none does)."""

_members = itertools.count(60_000_000, 10_000)
_updates = itertools.count(70_000_000, 10_000)


def messages(count: int, first_member: int, round_number: int, every: int) -> list[Update]:
    """``count`` group messages from ``count / 2`` members who wrote before; with
    ``every``, each ``every``-th mentions a watched phrase."""
    now, first_update = p.now(), next(_updates)
    updates: list[Update] = []
    for n in range(count):
        member = first_member + n // 2
        user = {"id": member, "is_bot": False, "first_name": f"Member{member}"}
        text = (
            f"{SENTENCES[(member + n) % len(SENTENCES)]} (table {member % 10_000}, {round_number})"
        )
        if every and n % every == 0:
            text = f"{text}, is this a {PHRASES[(n // every) % len(PHRASES)]}?"
        message = {
            "message_id": first_update + n,
            "from": user,
            "chat": GROUP,
            "date": now,
            "text": text,
        }
        updates.append({"update_id": first_update + n, "message": message})
    return updates


def add_phrases() -> list[Update]:
    updates = []
    for phrase in PHRASES:
        update = p.command(f"/watch add {phrase}", p.ADMIN)
        update["update_id"] = next(_updates)
        updates.append(update)
    return updates


@asynccontextmanager
async def side(url: str, *, watch: bool) -> AsyncIterator[Project]:
    """A started runtime with one Telegram bot on its own fake API; watch words on or off."""
    api = await FakeBotApi().start()
    api.administrators[int(str(GROUP["id"]))] = [p.owner(p.ADMIN)]
    await migrate(url)
    sections = {} if watch else {"features": {"disable": ["watch"]}}
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


async def watched(project: Project) -> int:
    from sqlalchemy import func, select

    async with project.runtime.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(WatchPhraseRow)) or 0)


@dataclass
class Result:
    ratios: Ratios = field(default_factory=Ratios)
    cpu: Ratios = field(default_factory=Ratios)
    on_rates: list[float] = field(default_factory=list)
    off_rates: list[float] = field(default_factory=list)
    on_statements: float = 0.0
    off_statements: float = 0.0
    phrases: int = 0


async def measure(db: str, mix: str, count: int, rounds: int, *, same: bool = False) -> Result:
    """Interleaved rounds through watch on and off (``same``: on in both, an A/A run that
    shows how far the harness alone moves the ratio on this host)."""
    every = MIXES[mix]
    result = Result()
    async with AsyncExitStack() as stack:
        on = await stack.enter_async_context(
            side(await stack.enter_async_context(database(db)), watch=True)
        )
        off = await stack.enter_async_context(
            side(await stack.enter_async_context(database(db)), watch=same)
        )
        first = next(_members)
        for bench in (on, off):
            await bench.feed(add_phrases())
            await bench.feed(messages(count, first, 0, every))  # warm-up: known members
            bench.statements = bench.events = 0
        result.phrases = await watched(on)
        gc.collect()
        gc.freeze()
        try:
            for number in range(1, rounds + 1):
                order = (off, on) if number % 2 else (on, off)
                rates, cpu = {}, {}
                for bench in order:
                    started = time.process_time()
                    rates[id(bench)] = await timed(
                        bench.feed, messages(count, first, number, every)
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


def _rate(values: list[float]) -> str:
    ordered = sorted(values)
    return f"{ordered[len(ordered) // 2]:,.0f}/s"


def scan_cost(count: int = 2000) -> tuple[float, float]:
    """Microseconds of CPU per ordinary message for the matcher alone (100 phrases
    compiled, stems cached as in a running process), and for the same texts' words and
    stems without any phrase lookup: what the feature adds to a message besides its
    one setting read."""
    from townsquare.core.watch.matcher import WatchMatcher, message_stems

    matcher = WatchMatcher(enumerate(PHRASES, 1))
    texts = [str(u["message"]["text"]) for u in messages(count, next(_members), 1, 0)]
    for text in texts:  # warm the stem cache, as a running process has it
        assert not matcher.scan(text)
    started = time.process_time()
    for text in texts:
        matcher.scan(text)
    scanned = time.process_time() - started
    started = time.process_time()
    for text in texts:
        message_stems(text)
    stemmed = time.process_time() - started
    return scanned / count * 1e6, stemmed / count * 1e6


async def rows(databases: list[str], rounds: int, quick: bool, same: bool = False) -> list[Row]:
    """The ordinary mix on each database (the goal), one in ten mentions on SQLite; with
    ``same``, an A/A run of the ordinary mix on each database first (informative)."""
    count = 300 if quick else 1000
    out: list[Row] = []
    for db in databases if same else []:
        aa = await measure(db, "ordinary", count, rounds, same=True)
        out.append(
            Row(
                goal=f"A/A: ordinary message, {NAMES[db]}, watch on in both runtimes",
                baseline="watch on",
                figure=aa.ratios.text(),
                met=None,
                note=f"CPU {aa.cpu.text()}: the harness's own spread on this host",
            )
        )
    plan = [(db, "ordinary") for db in databases] + [("sqlite", "one in ten mentions")]
    for db, mix in plan:
        result = await measure(db, mix, count, rounds)
        goal_row = mix == "ordinary"
        out.append(
            Row(
                goal=(
                    f"ordinary message, {NAMES[db]}, {result.phrases} watched: "
                    f"<= {GOAL:g}x watch off"
                    if goal_row
                    else f"{mix}, {NAMES[db]}, watch on vs off"
                ),
                baseline=f"watch off {_rate(result.off_rates)}",
                figure=f"{result.ratios.text()} ({_rate(result.on_rates)})",
                met=result.ratios.median <= GOAL if goal_row else None,
                note=(
                    f"CPU {result.cpu.text()}; {result.on_statements:.2f} vs "
                    f"{result.off_statements:.2f} statements/update"
                ),
            )
        )
    scanned, stemmed = scan_cost()
    out.append(
        Row(
            goal="scan of an ordinary message, 100 phrases (CPU, matcher alone)",
            baseline=f"words and stems alone {stemmed:.1f} µs",
            figure=f"{scanned:.1f} µs",
            met=None,
            note="per message, the stem cache warm",
        )
    )
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="300 messages a round")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL too")
    parser.add_argument("--aa", action="store_true", help="an A/A run first (watch on in both)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    databases = ["sqlite"]
    if args.postgres and postgres_reachable():
        databases.append("postgresql")
    print_table(await rows(databases, args.rounds, args.quick, args.aa))


if __name__ == "__main__":
    asyncio.run(main())
