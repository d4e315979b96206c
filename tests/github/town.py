"""A real ``townsquare run`` process with a Telegram bot on its loopback fake, the web side
on a free loopback port and ``[feedback.github]`` pointed at the loopback GitHub fake.

:meth:`GithubTown.start` returns once the bot is running and the web side answers;
:meth:`GithubTown.stop` sends SIGTERM and returns the log after a clean exit (exit code 0,
no traceback). The helpers post what members do in the group and read what the bot sent.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.fakes.github.server import SECRET, FakeGithub
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.rewards.town import free_port, shown

ROOT = Path(__file__).resolve().parents[2]
TG = "tg"
GROUP = int(str(p.GROUP["id"]))
T = TypeVar("T")


@dataclass
class GithubTown:
    workdir: Path
    telegram: FakeBotApi
    github: FakeGithub
    web_port: int = field(default_factory=free_port)
    process: asyncio.subprocess.Process | None = None
    lines: list[str] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _reader: asyncio.Task[None] | None = None
    _ids: int = 700

    @property
    def hook_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}/hooks/github"

    def write_config(self) -> Path:
        path = self.workdir / "townsquare.toml"
        path.write_text(
            f"""[storage]
url = "sqlite+aiosqlite:///{self.workdir / "town.db"}"

[web]
listen = "127.0.0.1:{self.web_port}"
public_url = "http://127.0.0.1:{self.web_port}"

[feedback.github]
repo = "{self.github.repo}"
token = "${{GITHUB_TOKEN}}"
webhook_secret = "${{GITHUB_WEBHOOK_SECRET}}"
api_url = "{self.github.url}"

[[bots]]
name = "{TG}"
platform = "telegram"
token = "${{TELEGRAM_TOKEN}}"
api_url = "{self.telegram.url}"
poll_timeout = 1
""",
            encoding="utf-8",
        )
        return path

    async def start(self, config: Path) -> None:
        assert self.process is None or self.process.returncode is not None
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_TOKEN": self.telegram.token,
            "GITHUB_TOKEN": self.github.token,
            "GITHUB_WEBHOOK_SECRET": SECRET,
        }
        self.lines.append(f"===== start at {time.monotonic():.3f} =====")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "townsquare.bots.cli",
            "run",
            str(config),
            env=env,
            cwd=ROOT,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read(self.process))
        await self.wait_log(f"bot {TG} (telegram) is running", timeout=90)

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        while line := await process.stdout.readline():
            async with self._changed:
                self.lines.append(line.decode(errors="replace").rstrip("\n"))
                self._changed.notify_all()
        await process.wait()
        async with self._changed:
            self._changed.notify_all()

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    async def wait_log(self, text: str, timeout: float = 30) -> None:
        start = max(i for i, line in enumerate(self.lines) if line.startswith("===== start"))

        def seen() -> bool:
            exited = self.process is not None and self.process.returncode is not None
            return exited or any(text in line for line in self.lines[start:])

        try:
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(seen), timeout)
        except TimeoutError:
            raise AssertionError(f"{text!r} not logged in {timeout} s:\n{self.log}") from None
        assert any(text in line for line in self.lines[start:]), self.log

    async def stop(self) -> str:
        process = self.process
        assert process is not None
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 60)
        except TimeoutError:
            process.kill()
            await process.wait()
        if self._reader is not None:
            await self._reader
        assert process.returncode == 0, self.log
        assert "Traceback" not in self.log, self.log
        return self.log

    # -- members --------------------------------------------------------------------------

    async def says(self, user: dict[str, Any], text: str) -> None:
        extra: dict[str, Any] = {}
        if text.startswith("/"):
            head = text.split(maxsplit=1)[0]
            extra["entities"] = [{"type": "bot_command", "offset": 0, "length": len(head)}]
        self._ids += 1
        await self.telegram.push(p.message(text, user, self._ids, **extra))

    def sent_to(self, chat: int) -> list[str]:
        """What the bot sent to ``chat`` (a group, or a member's private chat), as read."""
        return [
            shown(call.params)
            for call in self.telegram.calls
            if call.method == "sendMessage" and int(call.params.get("chat_id", 0)) == chat
        ]

    async def wait(self, check: Callable[[], T], timeout: float = 30) -> T:
        """``check()`` once truthy, tried after every call the bot makes to the fake."""
        changed = self.telegram._changed

        async def wait() -> T:
            async with changed:
                while not (value := check()):
                    await changed.wait()
                return value

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"not seen in {timeout} s; group: {self.sent_to(GROUP)}") from None

    async def answer(self, user: dict[str, Any], text: str, chat: int = GROUP) -> str:
        """``text`` said in the group by ``user``; the bot's next message to ``chat``."""
        before = len(self.sent_to(chat))
        await self.says(user, text)
        return (await self.wait(lambda: self.sent_to(chat)[before:]))[0]


@pytest.fixture
async def town(tmp_path: Path) -> AsyncIterator[GithubTown]:
    telegram = await FakeBotApi().start()
    telegram.administrators[GROUP] = [p.owner(p.ADMIN)]
    async with FakeGithub() as github:
        town = GithubTown(tmp_path, telegram, github)
        try:
            yield town
        finally:
            if town.process is not None and town.process.returncode is None:
                town.process.kill()
                await town.process.wait()
            await telegram.close()
