"""End to end: the runtime with the config contract, aiogram, and the fake Bot API."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots.config import parse_config
from bots.runtime import Runtime
from core.events import MemberJoined
from core.features import Context, Feature, on
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi

# PTB 22 warns from inside its own RetryAfter constructor that retry_after becomes a
# timedelta in its next major version; the adapter already reads either type.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")


class GreetOnce(Feature):
    name = "test-greeter"

    @on(MemberJoined)
    async def greet(self, event: MemberJoined, ctx: Context) -> None:
        ctx.reply(f"Welcome {event.member.display_name}")


def bot_config(api: FakeBotApi, platform: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "tg-main",
        "platform": platform,
        "token": "${TELEGRAM_BOT_TOKEN}",
        "api_url": api.url,
        "poll_timeout": 1,
        **extra,
    }


@pytest.fixture
async def runtime(api: FakeBotApi, backend: str, sqlite_url: str) -> AsyncIterator[Runtime]:
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    config = parse_config(
        {"storage": {"url": sqlite_url}, "bots": [bot_config(api, backend)]},
        {"TELEGRAM_BOT_TOKEN": api.token},
        "test",
    )
    runtime = Runtime(config, extra_features=[GreetOnce()])
    await runtime.start()
    yield runtime
    await runtime.stop()


def texts(api: FakeBotApi) -> list[str]:
    return [call["text"] for call in api.called("sendMessage")]


async def test_help_depends_on_the_callers_role(api: FakeBotApi, runtime: Runtime) -> None:
    await api.push(p.command("/help"))
    await api.push(p.command("/help@town_bot", user=p.ADMIN))
    first, second = await api.wait_for("sendMessage", 2)
    member_help, owner_help = sorted((first["text"], second["text"]), key=len)
    assert "/help" in member_help and "/settings" not in member_help
    assert "/settings" in owner_help
    assert first["reply_parameters"]["message_id"] == 10


async def test_a_double_join_is_greeted_once(api: FakeBotApi, runtime: Runtime) -> None:
    await api.push(p.join_service_message(p.EVE))
    await api.push(p.chat_member(p.EVE, "left", "member"))
    await api.push(p.command("/help"))
    await api.wait_for("sendMessage", 2)
    assert await runtime.worker.drain(timeout=10)
    greetings = [text for text in texts(api) if text.startswith("Welcome")]
    assert greetings == [
        "Welcome @everyone &lt;b&gt;*Eve*&lt;/b&gt; &lt;!channel&gt; _x_ &amp;amp; @here"
    ]


async def test_a_429_is_waited_out_not_dropped(api: FakeBotApi, runtime: Runtime) -> None:
    api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await api.push(p.command("/help"))
    calls = await api.wait_for("sendMessage", 2)
    assert calls[0] == calls[1], "the same message is sent again after retry_after"
    assert runtime.metrics["delivery.rate_limited"] == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_refuses_a_wrong_secret(
    api: FakeBotApi, backend: str, sqlite_url: str
) -> None:
    port = free_port()
    config = parse_config(
        {
            "storage": {"url": sqlite_url},
            "bots": [
                bot_config(
                    api,
                    backend,
                    mode="webhook",
                    webhook_url=f"http://127.0.0.1:{port}/telegram",
                    webhook_secret="s3cret-webhook",
                    listen=f"127.0.0.1:{port}",
                )
            ],
        },
        {"TELEGRAM_BOT_TOKEN": api.token},
        "test",
    )
    async with Runtime(config) as runtime, aiohttp.ClientSession() as http:
        assert api.webhook is not None and api.webhook["secret_token"] == "s3cret-webhook"
        update = {"update_id": 5000, **p.command("/help")}
        url = f"http://127.0.0.1:{port}/telegram"
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 401
        assert await api.deliver_webhook(p.command("/help")) == 200
        (reply,) = await api.wait_for("sendMessage")
        assert "/help" in reply["text"]
        assert await runtime.worker.drain(timeout=10)
    assert len(api.called("sendMessage")) == 1, "refused requests were never processed"


async def test_townsquare_run_answers_help_and_stops_on_sigterm(
    api: FakeBotApi, backend: str, tmp_path: Path
) -> None:
    path = tmp_path / "bots.toml"
    path.write_text(
        f"""
[storage]
url = "sqlite+aiosqlite:///{tmp_path / "town.db"}"

[[bots]]
name = "tg-main"
platform = "{backend}"
token = "${{TELEGRAM_BOT_TOKEN}}"
api_url = "{api.url}"
poll_timeout = 1
"""
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bots.cli",
        "run",
        str(path),
        env={**os.environ, "TELEGRAM_BOT_TOKEN": api.token},
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await api.push(p.command("/help"))
        (reply,) = await api.wait_for("sendMessage", timeout=60)
        assert "Commands you can use" in reply["text"]
    finally:
        process.send_signal(signal.SIGTERM)
        _out, errors = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, errors.decode()
    assert api.token not in errors.decode(), "the token never reaches the log"
