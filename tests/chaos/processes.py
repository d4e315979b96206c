"""Real ``townsquare run`` processes for the chaos suite, and a look into their outbox.

:class:`Fleet` writes one config file per process (they differ only in the webhook
``listen`` port), prepares the database as an operator would (``townsquare db upgrade`` on
PostgreSQL; SQLite upgrades itself at start), starts, SIGKILLs, restarts and stops the
processes. Each process writes its log to its own file, appended across restarts, shown
when a test fails.

:class:`Outbox` reads the ``outbox`` table from the test, to see which rows a dead process
still holds leased and when someone else takes them over.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from townsquare.bots.config import Config
from townsquare.storage.database import create_engine
from townsquare.storage.models import OutboxMessage

TOKEN_VARIABLE = "CHAOS_TELEGRAM_TOKEN"
WEBHOOK_SECRET = "chaos-webhook-secret-0123456789"
WEBHOOK_PATH = "/telegram"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


CODE_VARIABLE = "TOWNSQUARE_CHAOS_CODE"
"""A checkout to run instead of the installed package (e.g. an older commit, to compare)."""


def townsquare() -> list[str]:
    if os.environ.get(CODE_VARIABLE):
        return [sys.executable, "-m", "townsquare.bots.cli"]
    script = Path(sys.executable).with_name("townsquare")
    return [str(script)] if script.exists() else [sys.executable, "-m", "townsquare.bots.cli"]


@dataclass
class Member:
    index: int
    config: Path
    log: Path
    listen: str | None
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    starts: int = 0


@dataclass
class Fleet:
    workdir: Path
    database_url: str
    api_url: str
    token: str
    size: int = 1
    webhook_url: str | None = None
    """Set for webhook mode: the balancer's URL the fake pushes to."""
    drain_seconds: float | None = None
    members: list[Member] = field(default_factory=list)
    kills: int = 0
    crashes: list[str] = field(default_factory=list)
    """Processes found exited on their own (not killed, not stopped), with their code."""

    def __post_init__(self) -> None:
        for index in range(self.size):
            listen = f"127.0.0.1:{free_port()}" if self.webhook_url else None
            config = self.workdir / f"townsquare-{index}.toml"
            config.write_text(self._config(listen))
            self.members.append(
                Member(index, config, self.workdir / f"process-{index}.log", listen)
            )

    @property
    def upstreams(self) -> list[str]:
        return [f"http://{member.listen}" for member in self.members if member.listen]

    def _config(self, listen: str | None) -> str:
        bot = [
            "[[bots]]",
            'name = "tg"',
            'platform = "telegram"',
            f'token = "${{{TOKEN_VARIABLE}}}"',
            f'api_url = "{self.api_url}"',
            "poll_timeout = 1",
        ]
        if listen is not None:
            assert self.webhook_url is not None
            bot += [
                'mode = "webhook"',
                f'webhook_url = "{self.webhook_url}{WEBHOOK_PATH}"',
                f'webhook_secret = "{WEBHOOK_SECRET}"',
                f'listen = "{listen}"',
            ]
        sections = [
            "[storage]",
            f'url = "{self.database_url}"',
            "",
            "[defaults]",
            'managers = ["telegram:1000"]',
            "",
        ]
        if self.drain_seconds is not None and _knows_delivery():
            sections += ["[delivery]", f"drain_seconds = {self.drain_seconds:g}", ""]
        return "\n".join([*sections, *bot, ""])

    def _env(self) -> dict[str, str]:
        env = {**os.environ, TOKEN_VARIABLE: self.token}
        code = os.environ.get(CODE_VARIABLE)
        if code:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [code, env.get("PYTHONPATH")]))
        return env

    async def prepare(self) -> None:
        """``townsquare db upgrade`` where the operator must run it (PostgreSQL)."""
        if not self.database_url.startswith("postgresql"):
            return
        process = await asyncio.create_subprocess_exec(
            *townsquare(),
            "db",
            "upgrade",
            str(self.members[0].config),
            env=self._env(),
            cwd=os.environ.get(CODE_VARIABLE) or None,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, output.decode()

    async def start(self, index: int) -> Member:
        member = self.members[index]
        assert member.process is None or member.process.returncode is not None
        with member.log.open("a") as log:
            log.write(f"\n===== start {member.starts + 1} at {time.monotonic():.3f} =====\n")
            log.flush()
            member.process = await asyncio.create_subprocess_exec(
                *townsquare(),
                "run",
                str(member.config),
                env=self._env(),
                cwd=os.environ.get(CODE_VARIABLE) or None,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        member.started_at = time.monotonic()
        member.starts += 1
        return member

    async def start_all(self) -> None:
        for index in range(self.size):
            await self.start(index)

    async def kill(self, index: int) -> float:
        """SIGKILL; the instant it was sent."""
        member = self.members[index]
        assert member.process is not None
        at = time.monotonic()
        if member.process.returncode is None:
            member.process.send_signal(signal.SIGKILL)
        else:
            self.crashes.append(f"process {index} exited with {member.process.returncode}")
        await member.process.wait()
        self.kills += 1
        return at

    async def stop(self, index: int, timeout: float = 90) -> int | None:
        """SIGTERM and wait for the exit (SIGKILL after ``timeout``); the exit code."""
        member = self.members[index]
        process = member.process
        if process is None:
            return None
        if process.returncode is not None:
            self.crashes.append(f"process {index} exited with {process.returncode}")
            member.process = None
            return process.returncode
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
        return process.returncode

    async def stop_all(self) -> list[int | None]:
        return list(await asyncio.gather(*(self.stop(i) for i in range(self.size))))

    def alive(self) -> int:
        return sum(1 for m in self.members if m.process and m.process.returncode is None)

    def logs(self, tail: int = 60) -> str:
        parts = []
        for member in self.members:
            if member.log.exists():
                lines = [
                    line
                    for line in member.log.read_text(errors="replace").splitlines()
                    if "aiohttp.access" not in line  # one line per webhook request
                ][-tail:]
                parts.append(f"--- process {member.index} ---\n" + "\n".join(lines))
        return "\n".join(parts)


def _knows_delivery() -> bool:
    """Whether the code run has the ``[delivery]`` table (older checkouts refuse it)."""
    code = os.environ.get(CODE_VARIABLE)
    if code:
        return "class DeliveryConfig" in (Path(code) / "bots" / "config.py").read_text()
    return "delivery" in Config.model_fields


@dataclass(frozen=True)
class Lease:
    owner: str | None
    until: datetime | None


class Outbox:
    """The outbox table, read from the test (never written)."""

    def __init__(self, url: str) -> None:
        self.engine: AsyncEngine = create_engine(url)

    async def close(self) -> None:
        await self.engine.dispose()

    async def pending(self) -> dict[int, Lease]:
        table = OutboxMessage.__table__
        query = select(table.c.id, table.c.locked_by, table.c.locked_until).where(
            table.c.status == "pending"
        )
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return {int(row[0]): Lease(row[1], _aware(row[2])) for row in rows}

    async def leased(self) -> dict[int, Lease]:
        """Pending rows whose lease is still running."""
        now = datetime.now(UTC)
        return {
            row: lease
            for row, lease in (await self.pending()).items()
            if lease.until is not None and lease.until > now
        }

    async def sent_since(self, rows: set[int]) -> set[int]:
        """Which of ``rows`` are no longer pending."""
        still = await self.pending()
        return {row for row in rows if row not in still}


def _aware(moment: Any) -> datetime | None:
    if moment is None:
        return None
    assert isinstance(moment, datetime)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
