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

from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.features import e2e_features
from townsquare.bots.config import parse_config
from townsquare.bots.runtime import Runtime

# PTB 22 warns from inside its own RetryAfter constructor that retry_after becomes a
# timedelta in its next major version; the adapter already reads either type.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")


MODERATOR = {"id": 1003, "is_bot": False, "first_name": "Mo", "username": "mo_mod"}


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
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN), p.administrator(MODERATOR)]
    config = parse_config(
        {"storage": {"url": sqlite_url}, "bots": [bot_config(api, backend)]},
        {"TELEGRAM_BOT_TOKEN": api.token},
        "test",
    )
    runtime = Runtime(config, extra_features=e2e_features())
    await runtime.start()
    yield runtime
    await runtime.stop()


def texts(api: FakeBotApi) -> list[str]:
    return [call["text"] for call in api.called("sendMessage")]


async def test_help_depends_on_the_callers_role(api: FakeBotApi, runtime: Runtime) -> None:
    """A chat administrator (from getChatAdministrators) sees manager commands."""
    await api.push(p.command("/help"))
    (member_help,) = await api.wait_for("sendMessage")
    await api.push(p.command("/help@town_bot", user=MODERATOR))
    _, manager_help = await api.wait_for("sendMessage", 2)
    assert "/help" in member_help["text"] and "/settings" not in member_help["text"]
    assert "/settings" in manager_help["text"]
    assert member_help["reply_parameters"]["message_id"] == 10


async def test_a_private_message_falls_back_to_a_mention_in_the_chat(
    api: FakeBotApi, runtime: Runtime
) -> None:
    """Eve never started the bot: Telegram answers 403 and she is mentioned instead."""
    api.unreachable_users.add(p.EVE["id"])
    await api.push(p.command("/whisper", user=p.EVE))
    await api.push(p.command("/whisper", user=p.ALICE))
    calls = await api.wait_for("sendMessage", 3)
    assert await runtime.worker.drain(timeout=10)
    by_chat = {call["chat_id"]: call["text"] for call in api.called("sendMessage")}
    assert by_chat[p.ALICE["id"]] == "Psst, hello"
    fallback = by_chat[p.GROUP["id"]]
    assert fallback.startswith(f'<a href="tg://user?id={p.EVE["id"]}">@everyone &lt;b&gt;')
    assert fallback.endswith("</a> Psst, hello")
    assert [call["chat_id"] for call in calls].count(p.EVE["id"]) == 1, "refused, not retried"
    assert len(calls) == 3


async def test_a_double_join_is_greeted_once(api: FakeBotApi, runtime: Runtime) -> None:
    await api.push(p.join_service_message(p.EVE))
    await api.push(p.chat_member(p.EVE, "left", "member"))
    await api.push(p.command("/help"))
    await api.wait_for("sendMessage", 2)
    assert await runtime.worker.drain(timeout=10)
    sent = texts(api)
    greetings = [text for text in sent if text.startswith("Welcome @")]
    assert greetings == [
        "Welcome @everyone &lt;b&gt;*Eve*&lt;/b&gt; &lt;!channel&gt; _x_ &amp;amp; @here"
    ]
    assert len(sent) == len(set(sent)), "every feature greeted once (the built-in welcome too)"


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


async def test_townsquare_run_serves_both_backends_and_stops_on_sigterm(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """The operator's path: one config file, one bot per backend, a real process.

    Each bot has its own fake Bot API (one token each); SIGTERM must drain and exit 0
    without error lines (aiogram logs spurious ones if its polling task is cancelled)."""
    other = await FakeBotApi(token="654321:TEST-token-for-the-ptb-bot-00000000").start()
    try:
        await _run_townsquare({"telegram": api, "telegram-ptb": other}, tmp_path)
    finally:
        await other.close()


async def _run_townsquare(fakes: dict[str, FakeBotApi], tmp_path: Path) -> None:
    bots = "".join(
        f"""
[[bots]]
name = "{platform}-main"
platform = "{platform}"
token = "${{TOKEN_{index}}}"
api_url = "{fake.url}"
poll_timeout = 1
"""
        for index, (platform, fake) in enumerate(fakes.items())
    )
    path = tmp_path / "bots.toml"
    path.write_text(f'[storage]\nurl = "sqlite+aiosqlite:///{tmp_path / "town.db"}"\n{bots}')
    env = {f"TOKEN_{index}": fake.token for index, fake in enumerate(fakes.values())}
    script = Path(sys.executable).with_name("townsquare")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "townsquare.bots.cli"]
    process = await asyncio.create_subprocess_exec(
        *command,
        "run",
        str(path),
        env={**os.environ, **env},
        stderr=asyncio.subprocess.PIPE,
    )
    first = next(iter(fakes.values()))
    try:
        # Both payload sets name the same group, which is one community for the core: the
        # built-in welcome greets a member once there, so only one bot sees the join.
        await first.push(p.join_service_message(p.EVE))
        await first.push(p.chat_member(p.EVE, "left", "member"))
        for fake in fakes.values():
            fake.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
            await fake.push(p.command("/help"))
        for fake in fakes.values():
            calls = await fake.wait_for("sendMessage", 1, timeout=60)
            while "Commands you can use" not in calls[-1]["text"]:
                calls = await fake.wait_for("sendMessage", len(calls) + 1, timeout=30)
        welcomes = [c for c in first.called("sendMessage") if f"id={p.EVE['id']}" in c["text"]]
        assert len(welcomes) == 1, "the double join was greeted once"
    finally:
        process.send_signal(signal.SIGTERM)
        _out, errors = await asyncio.wait_for(process.communicate(), 60)
    log = errors.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log and " ERROR " not in log, log
    for fake in fakes.values():
        assert fake.token not in log, "the token never reaches the log"
