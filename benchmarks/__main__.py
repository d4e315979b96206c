"""The benchmark runner: every goal of the project's performance contract, measured as stated.

    .venv/bin/python -m benchmarks [--rounds 5] [--quick] [--no-postgres] [--only NAME ...]

Prints one table: the goal, the baseline it is measured against (in the same run), the
ratio (min / median / max over interleaved rounds) or the figure next to its bound, and
whether the goal is met (by the median). Parts (``--only``): ``inbound`` (Telegram
messages, joins and presses through the real adapter against aiogram's no-op dispatch,
SQLite and PostgreSQL; join bursts of 100 and 1,000; votes persisted per second),
``faq`` (p99 CPU at 10,000 and 100,000 entries), ``startup`` (RSS and time to ready
against a bare aiogram bot, per adapter too; on a database at the schema's head, as every
start but an installation's first, which is a row of its own), ``gc`` (messages with and without
``gc.freeze()`` after start-up), ``rewards`` (an ordinary message with rewards on against
the same with ``[features] disable = ["rewards"]``). README figures come from this table.

The machine's other load makes absolute figures noisy; ratios measured in the same
process, round by round, are what to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
from collections.abc import Awaitable, Callable

from benchmarks import faq, inbound, rewards, startup
from benchmarks.common import Ratios, Row, database, postgres_reachable, print_table

GOALS = {
    ("sqlite", "messages"): 1.5,
    ("postgresql", "messages"): 1.0,
    ("sqlite", "joins"): 0.5,
    ("postgresql", "joins"): 0.25,
    ("sqlite", "presses"): 0.5,
    ("postgresql", "presses"): 0.25,
}
VOTES = {"sqlite": 2000.0, "postgresql": 1000.0}
BURST_BOUND = 1.2
RSS_MARGIN = 25.0
PTB_RSS = 150.0
READY_BOUND = 1.2
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _rate(values: list[float]) -> str:
    return f"{statistics.median(values):,.0f}/s"


async def inbound_rows(databases: list[str], rounds: int, quick: bool) -> list[Row]:
    rows: list[Row] = []
    count = 300 if quick else 1000
    for db in databases:
        name = NAMES[db]
        for kind, size in (("messages", count), ("joins", 100), ("presses", count)):
            async with database(db) as url:
                result = await inbound.measure(url, kind, size, rounds)
            goal = GOALS[(db, kind)]
            what = {
                "messages": "group messages",
                "joins": "joins, bursts of 100",
                "presses": "poll presses",
            }
            rows.append(
                Row(
                    goal=f"{what[kind]}, {name}: >= {goal:g}x aiogram no-op",
                    baseline=f"aiogram no-op {_rate(result.base_rates)}",
                    figure=f"{result.ratios.text()} ({_rate(result.rates)})",
                    met=result.ratios.median >= goal,
                    note=f"{result.statements_per_event:.2f} statements/update",
                )
            )
            if kind == "presses":
                missing = int(result.extra.get("votes_missing", 0))
                votes = statistics.median(result.rates)
                low, high = min(result.rates), max(result.rates)
                rows.append(
                    Row(
                        goal=f"votes persisted, {name}: >= {VOTES[db]:,.0f}/s",
                        baseline=f"{VOTES[db]:,.0f}/s",
                        figure=f"{low:,.0f} / {votes:,.0f} / {high:,.0f}/s",
                        met=votes >= VOTES[db] and missing == 0,
                        note="every vote stored" if missing == 0 else f"{missing} votes missing",
                    )
                )
        async with database(db) as url:
            scaling = await inbound.burst_scaling(
                url, max(2, rounds // 2), large=500 if quick else 1000
            )
        rows.append(
            Row(
                goal=f"a join in a 1,000-join burst, {name}: <= {BURST_BOUND}x one in a 100-burst",
                baseline="per join, burst of 100",
                figure=scaling.text(),
                met=scaling.median <= BURST_BOUND,
            )
        )
    return rows


def faq_rows(quick: bool) -> list[Row]:
    rows: list[Row] = []
    queries = 500 if quick else 2000
    for size, bound in faq.GOALS.items():
        result = faq.run(size, queries, baseline_queries=20 if size <= 10_000 else 3)
        ms = 1000.0
        rows.append(
            Row(
                goal=f"FAQ p99 CPU at {size:,} entries: <= {bound * ms:g} ms",
                baseline=f"rapidfuzz extractOne p99 {result['base_p99'] * ms:.1f} ms",
                figure=f"p99 {result['p99'] * ms:.3f} ms (p50 {result['p50'] * ms:.3f})",
                met=result["p99"] <= bound,
                note=f"top-1 {result['accuracy']:.1%} (rapidfuzz {result['base_accuracy']:.1%})",
            )
        )
    return rows


async def startup_rows(rounds: int) -> list[Row]:
    result = await startup.measure(max(1, rounds // 2))
    median = statistics.median
    bare_rss = median(s.rss for s in result.bare)
    full_rss = median(s.rss for s in result.full)
    ready = Ratios(
        [full.ready / bare.ready for bare, full in zip(result.bare, result.full, strict=True)]
    )
    bare_ready = median(s.ready for s in result.bare)
    rows = [
        Row(
            goal=f"RSS, all three adapters: <= bare aiogram + {RSS_MARGIN:g} MiB",
            baseline=f"bare aiogram {bare_rss:.0f} MiB",
            figure=f"{full_rss:.0f} MiB (+{full_rss - bare_rss:.0f})",
            met=full_rss <= bare_rss + RSS_MARGIN,
        ),
        Row(
            goal=f"RSS, all three with telegram-ptb: <= {PTB_RSS:g} MiB",
            baseline=f"{PTB_RSS:g} MiB",
            figure=f"{result.full_ptb.rss:.0f} MiB",
            met=result.full_ptb.rss <= PTB_RSS,
        ),
        Row(
            goal=f"all bots ready: <= {READY_BOUND}x bare aiogram's first getUpdates",
            baseline=f"bare aiogram {bare_ready:.2f} s",
            figure=f"{ready.text()} ({median(s.ready for s in result.full):.2f} s)",
            met=ready.median <= READY_BOUND,
            note=f"first getUpdates {median(s.first_poll or 0 for s in result.full):.2f} s",
        ),
    ]
    for name, started in result.per_adapter.items():
        rows.append(
            Row(
                goal=f"memory, only {name}",
                baseline=f"bare aiogram {bare_rss:.0f} MiB",
                figure=f"{started.rss:.0f} MiB",
                met=None,
                note=f"ready {started.ready:.2f} s",
            )
        )
    first = result.first
    rows.append(
        Row(
            goal="all three, first start (creates the schema)",
            baseline=f"bare aiogram {bare_ready:.2f} s, {bare_rss:.0f} MiB",
            figure=f"ready {first.ready / bare_ready:.2f}x, {first.rss:.0f} MiB",
            met=None,
            note=f"ready {first.ready:.2f} s",
        )
    )
    return rows


async def gc_rows(rounds: int, quick: bool) -> list[Row]:
    """Messages on SQLite without ``gc.freeze()`` after start-up, next to with it."""
    count = 300 if quick else 1000
    async with database("sqlite") as url:
        frozen = await inbound.measure(url, "messages", count, rounds, freeze=True)
    async with database("sqlite") as url:
        thawed = await inbound.measure(url, "messages", count, rounds, freeze=False)
    return [
        Row(
            goal="messages, SQLite, no gc.freeze() after start-up",
            baseline="aiogram no-op, same process",
            figure=f"{thawed.ratios.text()} (frozen: {frozen.ratios.text()})",
            met=None,
        )
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a first look")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--only", nargs="+", choices=["inbound", "faq", "startup", "gc", "rewards"], default=None
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    parts = set(args.only or ["inbound", "faq", "startup", "gc", "rewards"])
    databases = ["sqlite"]
    if not args.no_postgres:
        if postgres_reachable():
            databases.append("postgresql")
        else:
            print("PostgreSQL not reachable: its rows are skipped")
    rows: list[Row] = []
    steps: list[tuple[str, Callable[[], Awaitable[list[Row]]]]] = [
        ("inbound", lambda: inbound_rows(databases, args.rounds, args.quick)),
        ("gc", lambda: gc_rows(args.rounds, args.quick)),
        ("rewards", lambda: rewards.rows(databases, args.rounds, args.quick)),
        ("faq", lambda: asyncio.to_thread(faq_rows, args.quick)),
        ("startup", lambda: startup_rows(args.rounds)),
    ]
    for name, step in steps:
        if name not in parts:
            continue
        try:
            rows += await step()
        except Exception as error:  # one part failing must not lose the others' figures
            rows.append(Row(f"{name}: could not be measured", "-", repr(error)[:80], False))
        print_table(rows[-1:])  # progress, one line per part
    print()
    print_table(rows)


if __name__ == "__main__":
    asyncio.run(main())
