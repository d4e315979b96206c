"""End to end through real ``townsquare run`` processes: an announcement at a time for a
space of a Telegram group, a Discord server and a Slack workspace is posted once in each,
pinned once in each and published once to the Discord channel's followers, across a
SIGKILL before it was due and a restart after it was posted.

The process that took the command is killed; the announcement falls due while no
process runs (the test moves its job's due time to now, as a minute passing would), so
the next start posts it; a graceful stop and a third start post nothing more, and the
Telegram command the first process may not have confirmed makes no second announcement."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests.discord.conftest import World
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import server as sf
from tests.fakes.slack.server import FakeSlack
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from townsquare.storage.database import create_engine
from townsquare.storage.models import ScheduledJob

ROOT = Path(__file__).resolve().parents[2]
GROUP_ID = int(str(p.GROUP["id"]))
TEXT = "Town hall tonight at 19:00, @everyone welcome"
SIGNING_SECRET = "signing-secret-for-tests"


def _config(
    tmp_path: Path, api: FakeBotApi, fake: FakeDiscord, slack: FakeSlack, port: int, news: str
) -> Path:
    guild = next(iter(fake.guilds))
    path = tmp_path / "bots.toml"
    path.write_text(
        f"""
[storage]
url = "sqlite+aiosqlite:///{tmp_path / "town.db"}"

[[bots]]
name = "tg"
platform = "telegram"
token = "{api.token}"
api_url = "{api.url}"
poll_timeout = 1

[[bots]]
name = "dc"
platform = "discord"
token = "{fake.token}"
api_url = "{fake.base_url}"
gateway_url = "{fake.gateway_url}"
guild_ready_timeout = 0.2

[[bots]]
name = "sl"
platform = "slack"
token = "{slack.token}"
signing_secret = "{SIGNING_SECRET}"
listen = "127.0.0.1:{port}"
api_url = "{slack.url}"

[[spaces]]
name = "town"
communities = ["tg:{GROUP_ID}", "dc:{guild}/{news}", "sl:{sf.TEAM}/C0GENERAL"]
""",
        encoding="utf-8",
    )
    return path


@asynccontextmanager
async def townsquare(config: Path, log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """``townsquare run CONFIG`` of this checkout; killed at the end if still running."""
    with log.open("a") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "townsquare.bots.cli",
            "run",
            str(config),
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            cwd=config.parent,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=output,
        )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _ready(fake: FakeDiscord, slack: FakeSlack, api: FakeBotApi, start: int) -> None:
    """Every bot of the ``start``-th process is connected."""
    guild = next(iter(fake.guilds))
    await fake.wait_request(
        "PUT", rf"/applications/\d+/guilds/{guild}/commands", count=start, timeout=60
    )
    await slack.wait_for("auth.test", start, timeout=60)
    await api.wait_for("deleteWebhook", start, timeout=60)


async def _jobs_due_now(url: str) -> int:
    """The announcement's job falls due: the minute passed while no process ran."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            moved = await connection.execute(
                update(ScheduledJob)
                .where(ScheduledJob.kind == "announcements.post", ScheduledJob.status == "pending")
                .values(due_at=datetime.now(UTC))
            )
            return int(moved.rowcount)
    finally:
        await engine.dispose()


async def _job_states(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(ScheduledJob.status).where(ScheduledJob.kind == "announcements.post")
            )
            return [row[0] for row in rows]
    finally:
        await engine.dispose()


def _telegram_posts(api: FakeBotApi) -> list[int]:
    """The ids of the announcement's messages in the group."""
    return [
        message_id
        for (chat, message_id), message in api.messages.items()
        if chat == GROUP_ID and message["html"] == TEXT
    ]


@pytest.mark.timeout(300)
async def test_an_announcement_at_a_time_reaches_every_community_once_across_restarts(
    api: FakeBotApi,
    fake: FakeDiscord,
    world: World,
    slack: FakeSlack,
    port: int,
    tmp_path: Path,
) -> None:
    api.administrators[GROUP_ID] = [p.owner(p.ADMIN)]
    news = fake.announcement_channel(world.guild, "news")
    fake.let_bot_pin(world.guild)
    config = _config(tmp_path, api, fake, slack, port, news["id"])
    url = f"sqlite+aiosqlite:///{tmp_path / 'town.db'}"
    log = tmp_path / "run.log"

    async with townsquare(config, log) as first:
        await _ready(fake, slack, api, 1)
        await api.push(p.command(f"/announce --at in 1h --pin --space {TEXT}", user=p.ADMIN))
        (answer,) = await api.wait_for("sendMessage", timeout=30)
        assert answer["text"].startswith("Announcement #1 will be posted "), log.read_text()
        assert "It goes to 3 communities of the space town." in answer["text"]
        first.send_signal(signal.SIGKILL)
        assert await first.wait() == -signal.SIGKILL
    assert _telegram_posts(api) == [] and fake.messages_in(news["id"]) == []
    assert await _jobs_due_now(url) == 1

    async with townsquare(config, log) as second:
        await _ready(fake, slack, api, 2)
        await api.wait_for("pinChatMessage", timeout=60)
        await slack.wait_for("pins.add", timeout=60)
        await fake.wait_for(lambda: fake.crossposts and fake.pins(news["id"]), timeout=60)
        second.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            assert await second.wait() == 0, log.read_text()

    async with townsquare(config, log) as third:
        await _ready(fake, slack, api, 3)
        await api.push(p.command("/announcements", user=p.ADMIN))
        await api.wait_for(
            "sendMessage",
            len(api.called("sendMessage")) + 1,
            timeout=30,
        )
        assert "No announcement is scheduled here." in api.called("sendMessage")[-1]["text"]
        third.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            assert await third.wait() == 0, log.read_text()

    # Once in each community, pinned once, published once; no second announcement.
    (telegram,) = _telegram_posts(api)
    assert api.pinned[GROUP_ID] == [(telegram, True)]
    (discord,) = fake.messages_in(news["id"])
    assert fake.pins(news["id"]) == [int(discord["id"])]
    assert fake.crossposts == [(int(news["id"]), int(discord["id"]))]
    assert discord["pings"]["everyone"] is False
    slack_posts = [c for c in slack.called("chat.postMessage") if sf.message_text(c) == TEXT]
    assert len(slack_posts) == 1 and slack_posts[0]["channel"] == "C0GENERAL"
    assert slack.pins == {"C0GENERAL": [slack.posted[0]]}
    assert not [c for c in api.called("sendMessage") if "Announcement #2" in c["text"]]
    assert await _job_states(url) == ["done"]
    text = log.read_text()
    assert "Traceback" not in text, text
