"""``/healthz``, ``/readyz`` and ``/metrics`` of a running runtime, with the real Telegram
SDK against the fake Bot API: readiness follows the platform going away and coming back,
and the metrics parse with prometheus_client's own text parser."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.bots import running, telegram_bot
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from townsquare.bots.runtime import Runtime
from townsquare.web.app import start_web, stop_web

CONSOLE = {"name": "local", "platform": "console"}


@asynccontextmanager
async def web_of(runtime: Runtime) -> AsyncIterator[str]:
    runner = await start_web(runtime, "127.0.0.1:0", probe_seconds=0)
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await stop_web(runner)


async def get(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


async def test_readyz_follows_the_platform(sqlite_url: str) -> None:
    api = await FakeBotApi().start()
    port = int(api.url.rsplit(":", 1)[1])
    try:
        async with (
            running(sqlite_url, telegram_bot(api, "telegram"), CONSOLE) as runtime,
            web_of(runtime) as base,
        ):
            assert await get(f"{base}/healthz") == (200, {"status": "ok"})
            status, body = await get(f"{base}/readyz")
            assert status == 200, body
            assert body["bots"]["tg"] == {"platform": "telegram", "state": "running", "ready": True}
            assert body["bots"]["local"]["ready"] and body["database"] == {"ready": True}

            await api.close()
            status, body = await get(f"{base}/readyz")
            assert status == 503
            assert body["failing"] == ["tg"]
            assert body["bots"]["tg"]["ready"] is False
            assert "cannot reach Telegram at 127.0.0.1" in body["bots"]["tg"]["error"]
            assert body["bots"]["local"]["ready"], "the console bot is not blamed"
            assert (await get(f"{base}/healthz"))[0] == 200, "alive, only not ready"

            await api.start(port)
            status, body = await get(f"{base}/readyz")
            assert status == 200, body
            assert "failing" not in body
    finally:
        await api.close()


async def test_a_bot_that_cannot_start_is_named(sqlite_url: str) -> None:
    api = await FakeBotApi().start()
    await api.close()  # nothing listens there: the bot keeps retrying
    async with (
        running(sqlite_url, telegram_bot(api, "telegram"), CONSOLE) as runtime,
        web_of(runtime) as base,
    ):
        status, body = await get(f"{base}/readyz")
        assert status == 503
        assert body["failing"] == ["tg"]
        assert body["bots"]["tg"]["state"] == "retrying"
        assert body["bots"]["tg"]["error"]
        _status, text = await get(f"{base}/metrics")
        samples = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }
        assert samples[("townsquare_bot_up", (("bot", "tg"), ("platform", "telegram")))] == 0
        assert samples[("townsquare_bot_up", (("bot", "local"), ("platform", "console")))] == 1
        assert samples[("townsquare_bot_start_failures_total", ())] >= 1


async def test_metrics_parse_with_prometheus_clients_parser(sqlite_url: str) -> None:
    api = await FakeBotApi().start()
    try:
        async with (
            running(sqlite_url, telegram_bot(api, "telegram")) as runtime,
            web_of(runtime) as base,
        ):
            await api.push(p.command("/help"))
            await api.wait_for("sendMessage")
            await api.push(p.command("/help"))
            await api.wait_for("sendMessage", count=2)
            assert await runtime.worker.drain(timeout=10)
            status, text = await get(f"{base}/metrics")
    finally:
        await api.close()
    assert status == 200
    families = {family.name: family for family in text_string_to_metric_families(text)}
    expected = {
        "townsquare_events",
        "townsquare_feature_failures",
        "townsquare_pipeline_batch_seconds",
        "townsquare_outbox_pending",
        "townsquare_outbox_oldest_pending_seconds",
        "townsquare_deliveries",
        "townsquare_rate_limited",
        "townsquare_limiter_waits",
        "townsquare_database_errors",
        "townsquare_bot_up",
    }
    assert expected <= set(families), sorted(expected - set(families))
    assert families["townsquare_pipeline_batch_seconds"].type == "histogram"
    events = {
        (s.labels["kind"], s.labels["result"]): s.value
        for s in families["townsquare_events"].samples
        if s.name == "townsquare_events_total"
    }
    assert events[("CommandIssued", "processed")] == 2
    deliveries = {
        s.labels["result"]: s.value
        for s in families["townsquare_deliveries"].samples
        if s.name == "townsquare_deliveries_total"
    }
    assert deliveries["sent"] >= 2
    pending = {s.labels["bot"]: s.value for s in families["townsquare_outbox_pending"].samples}
    assert pending == {"tg": 0}
    count = next(
        s.value
        for s in families["townsquare_pipeline_batch_seconds"].samples
        if s.name.endswith("_count")
    )
    assert count >= 1


async def test_townsquare_run_serves_web_listen(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "bots.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite+aiosqlite:///{tmp_path / "town.db"}"\n'
        f'[web]\nlisten = "127.0.0.1:{port}"\n'
        '[[bots]]\nname = "local"\nplatform = "console"\n'
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "townsquare.bots.cli",
        "run",
        str(config),
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    try:
        async with asyncio.timeout(60):
            while b"running 1 bot(s)" not in await process.stderr.readline():
                pass
        assert (await get(f"http://127.0.0.1:{port}/healthz"))[0] == 200
        status, body = await get(f"http://127.0.0.1:{port}/readyz")
        assert status == 200 and body["bots"]["local"]["state"] == "running", body
        status, text = await get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and "townsquare_bot_up" in text
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            rest = await process.stderr.read()
            assert await process.wait() == 0, rest


async def test_web_listen_mistakes_are_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = tmp_path / "bots.toml"
        config.write_text(
            f'[storage]\nurl = "sqlite+aiosqlite:///{tmp_path / "town.db"}"\n'
            f'[web]\nlisten = "127.0.0.1:{port}"\n'
            '[[bots]]\nname = "local"\nplatform = "console"\n'
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "townsquare.bots.cli",
            "run",
            str(config),
            stderr=asyncio.subprocess.PIPE,
        )
        async with asyncio.timeout(60):
            _out, err = await process.communicate()
    assert process.returncode == 2
    assert (
        err.decode()
        .strip()
        .endswith(f"web.listen: cannot listen on 127.0.0.1:{port}: address already in use")
    )
    code = (
        "import sys; sys.modules['aiohttp'] = None; from bots.cli import main; "
        f"raise SystemExit(main(['check', {str(config)!r}]))"
    )
    check = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stderr=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(60):
        _out, err = await check.communicate()
    assert check.returncode == 2
    assert err.decode().strip() == (
        f"{config}: web.listen: needs aiohttp, which is not installed: "
        "pip install 'townsquare[web]'"
    )
