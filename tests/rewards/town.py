"""A real ``townsquare run`` process with a Telegram, a Discord and a Slack bot, each on
its loopback fake, for the rewards' end-to-end tests.

:class:`Town` owns the three fakes (a Telegram group, a Discord guild with a moderator,
a Slack workspace), writes the config file an operator would (optionally grouping the
communities into a ``[[spaces]]``), starts the process from this checkout and reads its
log as it runs: :meth:`Town.start` returns once every bot says it is running (and the
Discord bot has registered its slash commands), :meth:`Town.stop` sends SIGTERM and
returns the log after a clean exit. The helpers post what a member does on each platform.
The :func:`town` fixture builds one (import it into a test module to use it).
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import os
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.fakes.bots import SLACK_SECRET, discord_slash_answer, slack_events_url, slack_post
from tests.fakes.discord import FakeDiscord, Guild
from tests.fakes.slack import server as slack_fake
from tests.fakes.slack.server import FakeSlack, user
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi

ROOT = Path(__file__).resolve().parents[2]
TG, DC, SL = "tg", "dc", "sl"
GROUP = int(str(p.GROUP["id"]))
SLACK_CHANNEL = "C0GENERAL"
SLACK_ALICE, SLACK_BOB, SLACK_OLGA = "U0ALICE", "U0BOB", "U0OLGA"

T = TypeVar("T")
_message_ids = itertools.count(500)
_slack_ts = itertools.count(1)


def telegram_user(number: int, name: str, language: str = "en") -> dict[str, Any]:
    return {"id": number, "is_bot": False, "first_name": name, "language_code": language}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Town:
    workdir: Path
    telegram: FakeBotApi
    discord: FakeDiscord
    slack: FakeSlack
    guild: Guild
    discord_members: dict[str, int] = field(default_factory=dict)
    slack_port: int = field(default_factory=free_port)
    process: asyncio.subprocess.Process | None = None
    lines: list[str] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _reader: asyncio.Task[None] | None = None

    @property
    def database_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.workdir / 'town.db'}"

    @property
    def general_id(self) -> int:
        """The Discord guild's #general."""
        return int(self.guild.channel("general")["id"])

    @property
    def slack_url(self) -> str:
        return slack_events_url(self.slack_port)

    def community(self, bot: str) -> str:
        """The ``bot:community`` reference a ``[[spaces]]`` entry names."""
        return {
            TG: f"{TG}:{GROUP}",
            DC: f"{DC}:{self.guild.id}",
            SL: f"{SL}:{slack_fake.TEAM}/{SLACK_CHANNEL}",
        }[bot]

    def write_config(self, *, space: list[str] | None = None, extra: str = "") -> Path:
        """The operator's config: the three bots, and ``space`` (bot names) as one space."""
        spaces = ""
        if space:
            members = ", ".join(json.dumps(self.community(bot)) for bot in space)
            spaces = f'\n[[spaces]]\nname = "town"\ncommunities = [{members}]\n'
        path = self.workdir / "townsquare.toml"
        path.write_text(
            f"""[storage]
url = "{self.database_url}"
{spaces}{extra}
[[bots]]
name = "{TG}"
platform = "telegram"
token = "${{TELEGRAM_TOKEN}}"
api_url = "{self.telegram.url}"
poll_timeout = 1

[[bots]]
name = "{DC}"
platform = "discord"
token = "${{DISCORD_TOKEN}}"
api_url = "{self.discord.base_url}"
gateway_url = "{self.discord.gateway_url}"
guild_ready_timeout = 0.2

[[bots]]
name = "{SL}"
platform = "slack"
token = "${{SLACK_TOKEN}}"
signing_secret = "${{SLACK_SECRET}}"
listen = "127.0.0.1:{self.slack_port}"
api_url = "{self.slack.url}"
""",
            encoding="utf-8",
        )
        return path

    async def start(self, config: Path) -> None:
        """Run ``townsquare run config`` from this checkout until every bot is running."""
        assert self.process is None or self.process.returncode is not None
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_TOKEN": self.telegram.token,
            "DISCORD_TOKEN": self.discord.token,
            "SLACK_TOKEN": self.slack.token,
            "SLACK_SECRET": SLACK_SECRET,
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
        for bot, platform in ((TG, "telegram"), (DC, "discord"), (SL, "slack")):
            await self.wait_log(f"bot {bot} ({platform}) is running", timeout=90)
        await self.discord.wait_request(
            "PUT", rf"/applications/\d+/guilds/{self.guild.id}/commands", timeout=30
        )

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
        """Until a line of this start's log contains ``text`` (fails if the process ends)."""
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
        """SIGTERM; the process must drain and exit 0 without a traceback. Its log."""
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

    # -- what members do -----------------------------------------------------------------

    async def telegram_says(
        self, user: dict[str, Any], text: str, *, reply_to: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A message in the group (a command when it starts with ``/``); the message."""
        extra: dict[str, Any] = {}
        if text.startswith("/"):
            head = text.split(maxsplit=1)[0]
            extra["entities"] = [{"type": "bot_command", "offset": 0, "length": len(head)}]
        if reply_to is not None:
            extra["reply_to_message"] = reply_to
        update = p.message(text, user, next(_message_ids), **extra)
        await self.telegram.push(update)
        return dict(update["message"])

    async def telegram_private(self, user: dict[str, Any], text: str) -> None:
        await self.telegram.push(p.private_message(text, user))

    def telegram_sent(self, chat: int = GROUP) -> list[dict[str, Any]]:
        """What the bot sent to ``chat`` (messages, photos, documents), in order: the
        call's parameters with its ``method``."""
        return [
            {"method": call.method, **call.params}
            for call in self.telegram.calls
            if call.method.startswith("send") and int(call.params.get("chat_id", 0)) == chat
        ]

    def telegram_texts(self, chat: int = GROUP) -> list[str]:
        return [str(c.get("text") or c.get("caption") or "") for c in self.telegram_sent(chat)]

    async def telegram_answer(
        self, user: dict[str, Any], text: str, *, reply_to: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """``text`` sent to the group by ``user``; the bot's next post there that is not a
        level-up announcement (those come in their own time)."""
        before = len(self.telegram_sent())
        await self.telegram_says(user, text, reply_to=reply_to)
        sent = await self.telegram_wait(
            lambda: [s for s in self.telegram_sent()[before:] if not announcement(s)]
        )
        return dict(sent[0])

    async def telegram_wait(self, check: Callable[[], Any], timeout: float = 30) -> Any:
        """``check()`` once it is truthy, tried after every call the bot makes to the fake
        Bot API (the fake's ``wait_for`` counts one method only)."""
        changed = self.telegram._changed  # notified on every call the fake records

        async def wait() -> Any:
            async with changed:
                while not (value := check()):
                    await changed.wait()
                return value

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"not sent in {timeout} s: {self.telegram_texts()}") from None

    async def discord_says(
        self, member: str, text: str, *, reply_to: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return await self.discord.post(
            self.guild, "general", self.discord_members[member], text, reply_to=reply_to
        )

    async def discord_private(self, member: str, command: str, **values: str) -> str:
        """A slash command in #general; its private answer, as read (no markdown escapes)."""
        answer = await discord_slash_answer(
            self.discord, self.guild, self.discord_members[member], command, **values
        )
        return answer.replace("\\", "")

    async def discord_public(
        self, member: str, command: str, where: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any]:
        """A slash command whose answer is posted in #general: that post (``where``)."""
        before = len(self.discord.messages_in(self.general_id))
        await self.discord.slash(self.guild, "general", self.discord_members[member], command)
        posted = await self.discord.wait_for(
            lambda: [m for m in self.discord.messages_in(self.general_id)[before:] if where(m)],
            timeout=30,
        )
        return dict(posted[0])

    async def slack_says(
        self, user: str, text: str, *, thread_of: str | None = None, channel: str = SLACK_CHANNEL
    ) -> str:
        """A message event from ``user``; its ``ts``."""
        ts = f"1700000{next(_slack_ts):03d}.000100"
        event: dict[str, Any] = {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": slack_fake.slack_escape(text),
            "ts": ts,
            "event_ts": ts,
            "channel_type": "im" if channel.startswith("D") else "channel",
            "team": slack_fake.TEAM,
        }
        if thread_of is not None:
            event["thread_ts"] = thread_of
        body = slack_fake.event_body(event, f"Ev{ts.replace('.', '')}")
        assert await slack_post(self.slack_url, body, "application/json") == 200
        return ts

    async def slack_command(
        self, user: str, command: str, text: str = "", *, private: bool = True
    ) -> dict[str, Any]:
        """A slash command; the private answer posted to its ``response_url`` (``private``),
        else nothing (the answer is posted in the channel)."""
        before = len(self.slack.called("response_url"))
        body = slack_fake.command_body(command, text, user, response_url=self.slack.response_url)
        assert await slack_post(self.slack_url, body) == 200
        if not private:
            return {}
        return (await self.slack.wait_for("response_url", before + 1, timeout=30))[-1]


def announcement(sent: dict[str, Any]) -> bool:
    """A level-up announcement (Telegram call parameters or a Discord message)."""
    return "reached level" in str(sent.get("text") or sent.get("content") or "")


def shown(sent: dict[str, Any]) -> str:
    """What a member reads of a post: Telegram HTML without its tags, Discord markdown
    without bold and escapes."""
    if "content" in sent:
        return str(sent["content"]).replace("**", "").replace("\\", "")
    markup = str(sent.get("caption") or sent.get("text") or "")
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def board_rows(board: str) -> list[str]:
    """The ranked lines of a ``/top`` post, as read."""
    return [line for line in board.splitlines() if re.match(r"\d+\. ", line)]


async def eventually(
    ask: Callable[[], Awaitable[T]], check: Callable[[T], bool], timeout: float = 30
) -> T:
    """``ask()`` again until ``check`` holds for its answer, for what the process does
    after the event that caused it (a fact, handled by a job a moment later), which a
    member sees only by asking again; each ask awaits its answer."""
    deadline = time.monotonic() + timeout
    while not check(answer := await ask()):
        if time.monotonic() > deadline:
            raise AssertionError(f"still {answer!r} after {timeout} s")
    return answer


@pytest.fixture
async def town(tmp_path: Path) -> AsyncIterator[Town]:
    telegram = await FakeBotApi().start()
    telegram.administrators[GROUP] = [p.owner(p.ADMIN)]
    slack = await FakeSlack().start()
    slack.users.update(
        {
            SLACK_ALICE: user(SLACK_ALICE, "Alice"),
            SLACK_BOB: user(SLACK_BOB, "Bob"),
            SLACK_OLGA: user(SLACK_OLGA, "Olga", owner=True),
        }
    )
    async with FakeDiscord() as discord:
        guild = discord.add_guild("Town Square")
        members = {
            "alice": discord.add_member(guild, "alice", global_name="Alice"),
            "bob": discord.add_member(guild, "bob", global_name="Bob"),
            "mo": discord.add_member(guild, "mo", global_name="Mo", moderator=True),
        }
        town = Town(
            tmp_path,
            telegram,
            discord,
            slack,
            guild,
            {name: int(member["user"]["id"]) for name, member in members.items()},
        )
        try:
            yield town
        finally:
            if town.process is not None and town.process.returncode is None:
                town.process.kill()
                await town.process.wait()
            await telegram.close()
            await slack.close()
        assert not discord.everyone_pings(), "a bot message would have pinged everyone"
        assert not discord.unexpected, f"requests the fake does not know: {discord.unexpected}"
