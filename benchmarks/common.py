"""What every benchmark of the runner shares: a result row, ratio statistics, databases.

Figures on a shared machine are noisy; what counts is the ratio between the project and
its baseline measured in the same process, in interleaved rounds (baseline, project,
baseline, project...), so a burst of load elsewhere hits both. A row shows the minimum,
median and maximum ratio over the rounds.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

PG_BASE = (
    os.environ.get("TOWNSQUARE_BENCH_DATABASE_URL")
    or os.environ.get("TOWNSQUARE_TEST_DATABASE_URL")
    or "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


@dataclass
class Row:
    """One line of the runner's table."""

    goal: str
    baseline: str
    figure: str
    """What was measured: ratios min/median/max, or a value next to its bound."""
    met: bool | None
    """None: informative, no goal."""
    note: str = ""


@dataclass
class Ratios:
    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def text(self) -> str:
        return f"{min(self.values):.2f} / {self.median:.2f} / {max(self.values):.2f}x"


def verdict(met: bool | None) -> str:
    return "-" if met is None else ("met" if met else "NOT met")


def print_table(rows: Sequence[Row]) -> None:
    headers = ("goal", "baseline", "measured (min / median / max)", "met", "note")
    cells = [(r.goal, r.baseline, r.figure, verdict(r.met), r.note) for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for c in cells:
        print("| " + " | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)) + " |")


def postgres_reachable() -> bool:
    url = make_url(PG_BASE)
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), 0.5):
            return True
    except OSError:
        return False


async def admin_sql(sql: str) -> None:
    """Run ``sql`` on the server's maintenance database (CREATE / DROP DATABASE)."""
    import asyncpg

    url = make_url(PG_BASE)
    connection = await asyncpg.connect(
        user=url.username,
        password=url.password,
        host=url.host,
        port=url.port,
        database=url.database,
    )
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@asynccontextmanager
async def database(kind: str) -> AsyncIterator[str]:
    """A fresh, empty database (``sqlite`` in a temporary folder, or ``postgresql``: a
    database of its own on the local server, dropped afterwards); its URL."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        return
    name = f"townsquare_bench_{uuid.uuid4().hex[:12]}"
    await admin_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_BASE).set(database=name).render_as_string(hide_password=False)
    finally:
        await admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def migrate(url: str) -> None:
    from townsquare.storage.database import create_engine
    from townsquare.storage.migrate import upgrade

    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@dataclass
class Statements:
    count: int = 0


@contextmanager
def counting_statements(engine: AsyncEngine) -> Iterator[Statements]:
    """Statements sent to the database on ``engine`` while the block runs."""
    counted = Statements()

    def one(*_args: Any) -> None:
        counted.count += 1

    sync = engine.sync_engine
    event.listen(sync, "before_cursor_execute", one)
    try:
        yield counted
    finally:
        event.remove(sync, "before_cursor_execute", one)


async def settle() -> None:
    """Let tasks woken by the last step run before the next timed one starts."""
    for _ in range(3):
        await asyncio.sleep(0)
