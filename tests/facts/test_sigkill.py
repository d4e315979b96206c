"""A real SIGKILL of a ``townsquare run`` process while it handles a fact: the fact was
stored but its handling never committed, so the next start handles it, once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import migrate
from tests.facts.plugin import GATE_VARIABLE
from tests.facts.support import Told, fact_jobs
from townsquare.core.facts import encode
from townsquare.core.facts.published import PublishedFact
from townsquare.core.refs import CommunityRef
from townsquare.storage.database import create_engine
from townsquare.storage.models import ProcessedEvent
from townsquare.storage.store import SqlStore
from townsquare.storage.tables import communities, settings

ROOT = Path(__file__).resolve().parents[2]
COMMUNITY = CommunityRef("console", "town")


class Gate:
    """The loopback socket the plugin's handler checks in with."""

    def __init__(self) -> None:
        self.arrivals: asyncio.Queue[tuple[int, asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )

    async def _arrived(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        pid = int((await reader.readline()).decode())
        await self.arrivals.put((pid, reader, writer))

    @asynccontextmanager
    async def open(self) -> AsyncIterator[int]:
        server = await asyncio.start_server(self._arrived, "127.0.0.1", 0)
        try:
            yield int(server.sockets[0].getsockname()[1])
        finally:
            server.close()

    async def next(self) -> tuple[int, asyncio.StreamReader, asyncio.StreamWriter]:
        async with asyncio.timeout(60):
            return await self.arrivals.get()


async def run(config: Path, port: int, log: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(ROOT), GATE_VARIABLE: str(port)}
    with log.open("a") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "townsquare.bots.cli",
            "run",
            str(config),
            env=env,
            cwd=config.parent,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=output,
        )


async def test_a_fact_in_flight_at_a_sigkill_is_handled_once_after_the_restart(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'town.db'}"
    config = tmp_path / "bots.toml"
    config.write_text(
        f'[storage]\nurl = "{url}"\n'
        '[features]\nplugins = ["tests.facts.plugin:Hanger"]\n'
        '[[bots]]\nname = "c"\nplatform = "console"\n'
    )
    log = tmp_path / "run.log"
    await migrate(url)
    engine = create_engine(url)
    try:
        now = datetime.now(UTC)
        told = Told(platform=COMMUNITY.platform, community_id=COMMUNITY.id, at=now, word="kept")
        async with SqlStore(engine).transaction() as tx:  # as a committed handler left it
            tx.publish(
                PublishedFact({**encode(told), "depth": 1}, "console", "c", "town", None, now)
            )
            await tx.flush()
        gate = Gate()
        async with gate.open() as port:
            first = await run(config, port, log)
            try:
                pid, _reader, _writer = await gate.next()
                assert pid == first.pid
                first.send_signal(signal.SIGKILL)  # mid-handling: its transaction is open
                assert await first.wait() == -signal.SIGKILL
            finally:
                if first.returncode is None:
                    first.kill()
            assert await fact_jobs(engine, "pending") == 1
            assert await heard(engine) is None
            second = await run(config, port, log)
            try:
                pid, reader, writer = await gate.next()
                assert pid == second.pid
                writer.write(b"go\n")
                async with asyncio.timeout(30):
                    assert await reader.readline() == b"committed\n"
                second.send_signal(signal.SIGTERM)
                async with asyncio.timeout(60):
                    assert await second.wait() == 0, log.read_text()
            finally:
                if second.returncode is None:
                    second.kill()
        assert await heard(engine) == ["kept"]
        assert await fact_jobs(engine, "done") == 1
        async with engine.connect() as connection:
            keys = (await connection.execute(select(ProcessedEvent.event_id))).scalars().all()
        assert len([key for key in keys if key.startswith("job:")]) == 1
    finally:
        await engine.dispose()


async def heard(engine: AsyncEngine) -> list[str] | None:
    """The words the plugin noted as heard (committed), None before any."""
    async with engine.connect() as connection:
        value = await connection.scalar(
            select(settings.c.value)
            .join(communities, communities.c.id == settings.c.community_id)
            .where(communities.c.external_id == COMMUNITY.id, settings.c.key == "heard")
        )
    return None if value is None else list(value["v"])
