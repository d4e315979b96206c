"""Start-up: time to ready and resident memory, against a bare aiogram bot started the same way.

    .venv/bin/python -m benchmarks.startup [--rounds 3]

Each measurement is a new process (``python -m bots.cli run <config>``, the way operators
start it) talking to the loopback fakes served by this process: the fake Bot API, the
fake Discord (REST and gateway, one guild) and the fake Slack Web API (the bot listens for
the Events API on a free port). A bot is ready when the runtime logs that it is running;
Telegram's first ``getUpdates`` is recorded too. RSS is read from ``/proc`` once every bot
is ready and a second has passed.

Each start gets a copy of a SQLite database already at the schema's head, as every start
of a deployed bot but its very first finds it; :attr:`StartupResult.first` is one start
on a new database, which also creates the schema (Alembic and every migration loaded).

The baseline is a bare aiogram bot (``Dispatcher.start_polling`` with one no-op handler)
in its own process against the same fake Bot API: its time to the first ``getUpdates`` and
its RSS. Rounds interleave baseline and project.

The project's modules are byte-compiled first (:func:`compile_project`), as ``pip install``
does for every installed copy: run from a source tree with ``PYTHONDONTWRITEBYTECODE=1``
(the Docker image's setting, often a shell's too), each start would otherwise compile
every townsquare module from source, about 0.3 s that no deployed bot spends, while the
bare bot's aiogram comes compiled from site-packages.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import contextlib
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import migrate
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack.server import FakeSlack
from tests.fakes.telegram.server import FakeBotApi

SLACK_SECRET = "signing-secret-for-benchmarks"
BARE_AIOGRAM = """
import asyncio, sys
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(sys.argv[1]))
    bot = Bot(sys.argv[2], session=session)
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def noop(message: object) -> None:
        return None

    await dispatcher.start_polling(bot, polling_timeout=1, handle_signals=True)

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


@dataclass
class Fakes:
    telegram: FakeBotApi
    discord: FakeDiscord
    slack: FakeSlack

    def config(self, database: str, bots: Sequence[str], telegram_backend: str) -> str:
        lines = ["[storage]", f'url = "{database}"', ""]
        if "telegram" in bots:
            lines += [
                "[[bots]]",
                'name = "tg"',
                f'platform = "{telegram_backend}"',
                f'token = "{self.telegram.token}"',
                f'api_url = "{self.telegram.url}"',
                "poll_timeout = 1",
                "",
            ]
        if "discord" in bots:
            lines += [
                "[[bots]]",
                'name = "dc"',
                'platform = "discord"',
                f'token = "{self.discord.token}"',
                f'api_url = "{self.discord.base_url}"',
                f'gateway_url = "{self.discord.gateway_url}"',
                "",
            ]
        if "slack" in bots:
            lines += [
                "[[bots]]",
                'name = "sl"',
                'platform = "slack"',
                f'token = "{self.slack.token}"',
                f'signing_secret = "{SLACK_SECRET}"',
                f'listen = "127.0.0.1:{free_port()}"',
                f'api_url = "{self.slack.url}"',
                "",
            ]
        return "\n".join(lines)


@asynccontextmanager
async def fakes() -> AsyncIterator[Fakes]:
    telegram = await FakeBotApi().start()
    slack = await FakeSlack().start()
    async with FakeDiscord() as discord:
        discord.add_guild("Town Square")
        try:
            yield Fakes(telegram, discord, slack)
        finally:
            await telegram.close()
            await slack.close()


@dataclass
class Started:
    ready: float
    """Seconds from the spawn until every bot ran (the bare bot: its first getUpdates)."""
    first_poll: float | None
    rss: float


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _first_poll(api: FakeBotApi, since: int, started: float) -> float:
    """Seconds from ``started`` to the next ``getUpdates``: the fake records each call's
    offset but wakes no waiter for it, so this looks every 5 ms."""
    while len(api.offsets) <= since:  # noqa: ASYNC110 (nothing to await: see above)
        await asyncio.sleep(0.005)
    return time.perf_counter() - started


async def start_project(
    world: Fakes,
    bots: Sequence[str],
    telegram_backend: str = "telegram",
    current: Path | None = None,
) -> Started:
    """One ``townsquare run``; ``current``: a database at the schema's head to start from
    (a copy of it), else a new one."""
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "townsquare.toml"
        if current is not None:
            shutil.copyfile(current, Path(folder) / "townsquare.db")
        database = f"sqlite+aiosqlite:///{Path(folder) / 'townsquare.db'}"
        config.write_text(world.config(database, bots, telegram_backend))
        polls = len(world.telegram.offsets)
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "townsquare.bots.cli",
            "run",
            str(config),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(Path.cwd())},
        )
        first_poll: asyncio.Task[float] | None = None
        if "telegram" in bots:
            first_poll = asyncio.create_task(_first_poll(world.telegram, polls, started))
        try:
            running: set[str] = set()
            assert process.stderr is not None
            async with asyncio.timeout(120):
                while len(running) < len(bots):
                    line = (await process.stderr.readline()).decode(errors="replace")
                    if not line:
                        raise RuntimeError(f"townsquare exited before its bots ran ({bots})")
                    if " is running" in line:
                        running.add(line)
            ready = time.perf_counter() - started
            poll = await first_poll if first_poll is not None else None
            drain = asyncio.create_task(_drain(process))
            await asyncio.sleep(1)
            rss = rss_mib(process.pid)
            drain.cancel()
            return Started(ready, poll, rss)
        finally:
            if first_poll is not None:
                first_poll.cancel()
            await _stop(process)


async def _drain(process: asyncio.subprocess.Process) -> None:
    assert process.stderr is not None
    while await process.stderr.readline():
        pass


async def start_bare_aiogram(world: Fakes) -> Started:
    polls = len(world.telegram.offsets)
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        BARE_AIOGRAM,
        world.telegram.url,
        world.telegram.token,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with asyncio.timeout(120):
            ready = await _first_poll(world.telegram, polls, started)
        await asyncio.sleep(1)
        return Started(ready, ready, rss_mib(process.pid))
    finally:
        await _stop(process)


@dataclass
class StartupResult:
    bare: list[Started]
    full: list[Started]
    full_ptb: Started
    per_adapter: dict[str, Started]
    first: Started
    """All three bots on a new database (the schema created at start)."""


async def current_database(folder: Path) -> Path:
    """A SQLite database at the schema's head, in one file (WAL checkpointed)."""
    path = folder / "current.db"
    await migrate(f"sqlite+aiosqlite:///{path}")
    return path


PACKAGES = ("townsquare", "core", "adapters", "storage", "bots", "web", "migrations")
"""The folders of the ``townsquare`` package (``townsquare/`` links to the others)."""


def compile_project(root: Path) -> None:
    """Write the bytecode of every project module, as an installed copy has it (compileall
    skips the links in ``townsquare/``, hence every folder by name)."""
    for name in PACKAGES:
        if not compileall.compile_dir(root / name, quiet=1):
            raise RuntimeError(f"cannot byte-compile {root / name}")


async def measure(rounds: int) -> StartupResult:
    all_three = ("telegram", "discord", "slack")
    compile_project(Path.cwd())
    with tempfile.TemporaryDirectory() as folder:
        current = await current_database(Path(folder))
        async with fakes() as world:
            bare: list[Started] = []
            full: list[Started] = []
            for _round in range(rounds):
                bare.append(await start_bare_aiogram(world))
                full.append(await start_project(world, all_three, current=current))
            ptb = await start_project(world, all_three, "telegram-ptb", current=current)
            per_adapter = {
                name: await start_project(world, (name,), current=current)
                for name in ("telegram", "discord", "slack")
            }
            per_adapter["telegram-ptb"] = await start_project(
                world, ("telegram",), "telegram-ptb", current=current
            )
            first = await start_project(world, all_three)
    return StartupResult(bare, full, ptb, per_adapter, first)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = await measure(args.rounds)
    median = statistics.median
    print(
        f"bare aiogram: first getUpdates {median(s.ready for s in result.bare):.2f} s, "
        f"RSS {median(s.rss for s in result.bare):.0f} MiB"
    )
    print(
        f"all three bots: ready {median(s.ready for s in result.full):.2f} s, "
        f"RSS {median(s.rss for s in result.full):.0f} MiB"
    )
    print(
        f"all three, telegram-ptb: ready {result.full_ptb.ready:.2f} s, "
        f"RSS {result.full_ptb.rss:.0f} MiB"
    )
    for name, started in result.per_adapter.items():
        print(f"only {name}: ready {started.ready:.2f} s, RSS {started.rss:.0f} MiB")
    print(
        f"all three, new database: ready {result.first.ready:.2f} s, RSS {result.first.rss:.0f} MiB"
    )


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
