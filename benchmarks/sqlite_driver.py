"""SQLite statement cost: plain aiosqlite under SQLAlchemy against the single-hop driver.

    .venv/bin/python -m benchmarks.sqlite_driver [--statements 3000] [--rounds 3]

Runs the same SQLAlchemy Core statements on one SQLite file (WAL, the project's engine
settings) through ``create_engine(url, single_hop=False)`` (aiosqlite's cursor: up to four
worker-thread hops per statement) and through the default engine
(``storage/sqlite_driver.py``: one hop), alternating rounds and keeping each one's best,
and prints statements/s with the ratio. Floors from the same run: raw aiosqlite's
``execute_fetchall`` (one hop, no SQLAlchemy) and synchronous sqlite3 (no hop).

Workloads: a primary-key SELECT, a primary-key UPDATE (both in one long write
transaction), and the outbox's short write transaction ``BEGIN IMMEDIATE; UPDATE; COMMIT``
(counted as three statements).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiosqlite
from sqlalchemy import Column, Integer, MetaData, String, Table, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from townsquare.storage.database import create_engine

metadata = MetaData()
item = Table(
    "item",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String),
    Column("n", Integer),
)
ROWS = 100


async def prepare(path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(
            item.insert(), [{"id": n, "name": f"item {n}", "n": 0} for n in range(ROWS)]
        )
    await engine.dispose()


async def point_select(engine: AsyncEngine, count: int) -> None:
    async with engine.begin() as connection:
        for n in range(count):
            (await connection.execute(select(item.c.name).where(item.c.id == n % ROWS))).one()


async def point_update(engine: AsyncEngine, count: int) -> None:
    async with engine.begin() as connection:
        for n in range(count):
            await connection.execute(
                update(item).where(item.c.id == n % ROWS).values(n=item.c.n + 1)
            )


async def short_transactions(engine: AsyncEngine, count: int) -> None:
    for n in range(count // 3):  # BEGIN IMMEDIATE, UPDATE, COMMIT
        async with engine.begin() as connection:
            await connection.execute(
                update(item).where(item.c.id == n % ROWS).values(n=item.c.n + 1)
            )


WORKLOADS: dict[str, Callable[[AsyncEngine, int], Awaitable[None]]] = {
    "primary-key SELECT": point_select,
    "primary-key UPDATE": point_update,
    "BEGIN IMMEDIATE; UPDATE; COMMIT": short_transactions,
}


async def rate(url: str, single_hop: bool, workload: str, count: int) -> float:
    engine = create_engine(url, single_hop=single_hop)
    try:
        await WORKLOADS[workload](engine, 50)  # warm up: connection, statement cache
        started = time.perf_counter()
        await WORKLOADS[workload](engine, count)
        return count / (time.perf_counter() - started)
    finally:
        await engine.dispose()


async def raw_aiosqlite(path: Path, count: int) -> float:
    async with aiosqlite.connect(path) as connection:
        started = time.perf_counter()
        for n in range(count):
            await connection.execute_fetchall("SELECT name FROM item WHERE id = ?", (n % ROWS,))
        return count / (time.perf_counter() - started)


def raw_sqlite3(path: Path, count: int) -> float:
    connection = sqlite3.connect(path)
    try:
        started = time.perf_counter()
        for n in range(count):
            connection.execute("SELECT name FROM item WHERE id = ?", (n % ROWS,)).fetchall()
        return count / (time.perf_counter() - started)
    finally:
        connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "driver.db"
        await prepare(path)
        url = f"sqlite+aiosqlite:///{path}"
        print(f"SQLite statements/s, best of {args.rounds} rounds of {args.statements}")
        print(f"  floor: sqlite3, no thread        {raw_sqlite3(path, args.statements):>9,.0f}")
        floor = max([await raw_aiosqlite(path, args.statements) for _ in range(args.rounds)])
        print(f"  floor: raw aiosqlite, one hop    {floor:>9,.0f}")
        for workload in WORKLOADS:
            best = {False: 0.0, True: 0.0}
            for _round in range(args.rounds):
                for single_hop in (False, True):
                    measured = await rate(url, single_hop, workload, args.statements)
                    best[single_hop] = max(best[single_hop], measured)
            print(
                f"  {workload:<32} aiosqlite {best[False]:>7,.0f}"
                f"   single-hop driver {best[True]:>7,.0f}   x{best[True] / best[False]:.2f}"
            )


if __name__ == "__main__":
    asyncio.run(main())
