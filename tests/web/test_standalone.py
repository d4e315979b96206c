"""``townsquare web CONFIG``: the web side in a process that runs no bot. Its readiness
follows the bots' processes through the database (``bot_processes``) and their platforms."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.bots import config, running, telegram_bot
from tests.fakes.telegram.server import FakeBotApi
from tests.web.test_health import get
from townsquare.bots.cli import main
from townsquare.web.app import start_web, stop_web
from townsquare.web.standalone import Standalone


async def test_readiness_follows_the_bots_processes(sqlite_url: str) -> None:
    api = await FakeBotApi().start()
    bot = telegram_bot(api, "telegram")
    observed = Standalone(config(sqlite_url, bot))
    try:
        async with running(sqlite_url, bot):
            runner = await start_web(observed, "127.0.0.1:0", probe_seconds=0)
            host, port = runner.addresses[0][:2]
            base = f"http://{host}:{port}"
            try:
                status, body = await get(f"{base}/readyz")
                assert status == 200, body
                assert body["bots"]["tg"]["state"] == "running"
                _status, text = await get(f"{base}/metrics")
                assert 'townsquare_bot_up{bot="tg",platform="telegram"} 1.0' in text
                assert 'townsquare_outbox_pending{bot="tg"} 0.0' in text
            finally:
                await stop_web(runner)
        runner = await start_web(observed, "127.0.0.1:0", probe_seconds=0)
        host, port = runner.addresses[0][:2]
        try:
            status, body = await get(f"http://{host}:{port}/readyz")
        finally:
            await stop_web(runner)
        assert status == 503
        assert body["failing"] == ["tg"]
        assert body["bots"]["tg"] == {
            "platform": "telegram",
            "state": "stopped",
            "ready": False,
            "error": "no townsquare run process runs this bot",
        }
    finally:
        await observed.close()
        await api.close()


def test_web_needs_web_listen(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bots.toml"
    path.write_text(
        f'[storage]\nurl = "sqlite+aiosqlite:///{tmp_path / "town.db"}"\n'
        '[[bots]]\nname = "local"\nplatform = "console"\n'
    )
    assert main(["web", str(path)]) == 2
    assert capsys.readouterr().err.strip() == (
        f'{path}: web.listen: required here: add [web] listen = "host:port"'
    )
