"""End to end through a real ``townsquare run`` process and the Slack fake: a workspace
owner creates events in Rome time, each post carries Slack's ``date`` element with the
right UTC instant (winter and summer time), a full event puts the second member on the
waitlist and promotes her with a private message when a seat frees, ``/event ics`` sends
a file that the ``icalendar`` package reads with the same times, and a check-in by the
room's code counts once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import icalendar
import pytest

from tests.conftest import migrate
from tests.fakes.bots import SLACK_SECRET, slack_events_url, slack_post
from tests.fakes.slack import blocks
from tests.fakes.slack import server as sf
from tests.fakes.slack.server import FakeSlack, user
from tests.rewards.town import free_port

ROOT = Path(__file__).resolve().parents[2]
OLGA, BOB, ALICE = "U0OLGA", "U0BOB", "U0ALICE"
CHANNEL = "C0GENERAL"
WINTER = datetime(2026, 12, 20, 18, 0, tzinfo=UTC)  # 19:00 in Rome (UTC+1)
SUMMER = datetime(2027, 4, 1, 17, 0, tzinfo=UTC)  # 19:00 in Rome (UTC+2)


@dataclass
class Workspace:
    slack: FakeSlack
    port: int
    lines: list[str] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def url(self) -> str:
        return slack_events_url(self.port)

    async def read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        while line := await process.stdout.readline():
            async with self.changed:
                self.lines.append(line.decode(errors="replace").rstrip("\n"))
                self.changed.notify_all()
        await process.wait()
        async with self.changed:
            self.changed.notify_all()

    async def running(self, process: asyncio.subprocess.Process) -> None:
        async with asyncio.timeout(90), self.changed:
            await self.changed.wait_for(
                lambda: (
                    any("bot sl (slack) is running" in line for line in self.lines)
                    or process.returncode is not None
                )
            )
        assert process.returncode is None, "\n".join(self.lines)

    async def command(self, who: str, text: str, *, answered: bool = True) -> dict[str, Any]:
        """``/event text``; the private answer Slack shows the caller (``answered``)."""
        before = len(self.slack.called("response_url"))
        body = sf.command_body("/event", text, who, response_url=self.slack.response_url)
        assert await slack_post(self.url, body) == 200
        if not answered:
            return {}
        return (await self.slack.wait_for("response_url", before + 1, timeout=30))[-1]

    async def press(self, who: str, value: str, ts: str) -> dict[str, Any]:
        before = len(self.slack.called("response_url"))
        press = sf.block_actions(value, who, response_url=self.slack.response_url, ts=ts)
        body = sf.interaction_body(press)
        assert await slack_post(self.url, body) == 200
        return (await self.slack.wait_for("response_url", before + 1, timeout=30))[-1]

    async def posted(self, where: Any) -> dict[str, Any]:
        (found, *_rest) = await self.slack.wait_for("chat.postMessage", where=where, timeout=30)
        return found


@pytest.fixture
async def workspace(tmp_path: Path) -> AsyncIterator[Workspace]:
    slack = await FakeSlack().start()
    slack.users.update(
        {
            OLGA: user(OLGA, "Olga", owner=True),
            BOB: user(BOB, "Bob"),
            ALICE: user(ALICE, "Alice"),
        }
    )
    port = free_port()
    url = f"sqlite+aiosqlite:///{tmp_path / 'town.db'}"
    config = tmp_path / "townsquare.toml"
    config.write_text(
        f'[storage]\nurl = "{url}"\n\n[[bots]]\nname = "sl"\nplatform = "slack"\n'
        'token = "${SLACK_TOKEN}"\nsigning_secret = "${SLACK_SECRET}"\n'
        f'listen = "127.0.0.1:{port}"\napi_url = "{slack.url}"\n',
        encoding="utf-8",
    )
    await migrate(url)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SLACK_TOKEN": slack.token,
        "SLACK_SECRET": SLACK_SECRET,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "townsquare.bots.cli",
        "run",
        str(config),
        env=env,
        cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    workspace = Workspace(slack, port)
    reader = asyncio.create_task(workspace.read(process))
    try:
        await workspace.running(process)
        yield workspace
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(60):
                await process.wait()
        await reader
        await slack.close()
    log = "\n".join(workspace.lines)
    assert process.returncode == 0 and "Traceback" not in log, log


def _dates(message: dict[str, Any]) -> list[int]:
    return [int(e["timestamp"]) for e in blocks.elements(message) if e.get("type") == "date"]


def _has(text: str) -> Any:
    return lambda message: text in blocks.message_text(message)


async def test_events_on_slack_from_rome_time_to_the_waitlist_and_the_calendar_file(
    workspace: Workspace,
) -> None:
    ws = workspace
    await ws.command(
        OLGA, '"Board games" 2026-12-20 19:00 --tz Europe/Rome --capacity 1', answered=False
    )
    post = await ws.posted(_has("Board games"))
    assert post["channel"] == CHANNEL
    assert _dates(post)[0] == int(WINTER.timestamp()), "Slack shows each reader their time"
    assert "Sun 20 Dec 2026, 19:00 Europe/Rome (UTC+01:00)" in blocks.message_text(post)
    await ws.command(OLGA, '"Spring quiz" 2027-04-01 19:00 --tz Europe/Rome', answered=False)
    spring = await ws.posted(_has("Spring quiz"))
    assert _dates(spring)[0] == int(SUMMER.timestamp()), "19:00 in Rome is 17:00 UTC in April"

    ts = ws.slack.posted[0]
    assert blocks.message_text(await ws.press(BOB, "ev:1:going", ts)) == "You are going"
    waiting = await ws.press(ALICE, "ev:1:going", ts)
    assert blocks.message_text(waiting) == "It is full: you are number 1 on the waitlist"
    await ws.slack.wait_for(
        "chat.update", where=_has("✅ 1 of 1 going · 🤔 0 maybe · ❌ 0 can't go · ⏳ 1 waiting")
    )
    assert blocks.message_text(await ws.press(BOB, "ev:1:no", ts)) == "Marked as can't go"
    promoted = await ws.posted(_has("A seat freed up"))
    assert promoted["channel"] == "D0" + ALICE, "privately"
    assert _dates(promoted) == [int(WINTER.timestamp())]
    await ws.slack.wait_for("chat.update", where=_has("✅ 1 of 1 going · 🤔 0 maybe · ❌ 1"))

    await ws.command(ALICE, "ics 1", answered=False)
    (completed, *_rest) = await ws.slack.wait_for("files.completeUploadExternal", timeout=30)
    (uploaded,) = [u for u in ws.slack.uploads.values() if u.get("filename") == "event-1.ics"]
    assert uploaded["channel"] == "D0" + ALICE, "the file goes privately"
    calendar = icalendar.Calendar.from_ical(uploaded["data"])
    (entry,) = calendar.walk("VEVENT")
    assert entry.decoded("dtstart").astimezone(UTC) == WINTER
    assert entry["dtstart"].params["TZID"] == "Europe/Rome"
    assert [str(z["tzid"]) for z in calendar.walk("VTIMEZONE")] == ["Europe/Rome"]
    assert completed

    told = await ws.command(OLGA, "checkin 1")  # the code, privately (ephemeral)
    code = blocks.message_text(told).split(" is ")[1].split(":")[0]
    checkin = await ws.posted(_has("Check in at #1"))
    assert code not in blocks.message_text(checkin)
    early = await ws.command(ALICE, f"checkin 1 {code}")
    assert blocks.message_text(early) == "Check-in opens 2 hours before the start."
