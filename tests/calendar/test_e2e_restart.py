"""End to end through a real ``townsquare run`` process and the fake Bot API: an event is
created in an Italian group and a member answers Going; the process is SIGKILLed, the
reminder falls due while it is down, and the next start sends it once, privately and in
Italian; a third start after a SIGTERM sends nothing again."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from tests.conftest import migrate
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from townsquare.storage.database import create_engine
from townsquare.storage.models import ScheduledJob

ROOT = Path(__file__).resolve().parents[2]
GROUP_ID = int(str(p.GROUP["id"]))
REMINDER = "⏰ Promemoria: #1"


async def run(config: Path, log: Path, token: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_TOKEN": token}
    with log.open("a") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "townsquare.bots.cli",
            "run",
            str(config),
            env=env,
            cwd=config.parent,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=output,
        )


async def stop(process: asyncio.subprocess.Process, how: signal.Signals) -> int:
    if process.returncode is None:
        process.send_signal(how)
    async with asyncio.timeout(60):
        return await process.wait()


def reminders(api: FakeBotApi) -> list[dict[str, Any]]:
    return [c for c in api.called("sendMessage") if REMINDER in str(c["text"])]


async def until(api: FakeBotApi, found: Any) -> Any:
    """Wait for more sendMessage calls until ``found()`` gives something."""
    async with asyncio.timeout(60):
        while not (result := found()):
            await api.wait_for("sendMessage", len(api.called("sendMessage")) + 1, timeout=60)
    return result


async def test_a_reminder_fires_once_across_a_sigkill(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'town.db'}"
    api = await FakeBotApi().start()
    config = tmp_path / "bots.toml"
    config.write_text(
        f'[storage]\nurl = "{url}"\n'
        '[[bots]]\nname = "tg"\nplatform = "telegram"\ntoken = "${TELEGRAM_TOKEN}"\n'
        f'api_url = "{api.url}"\npoll_timeout = 1\n'
    )
    log = tmp_path / "run.log"
    api.administrators[GROUP_ID] = [p.owner(p.ADMIN)]
    await migrate(url)
    engine = create_engine(url)
    first = second = third = None
    try:
        first = await run(config, log, api.token)
        await api.push(p.command("/lang it", p.ADMIN))
        await api.push(p.command('/event "Cena" in 3d --remind 1h --tz Europe/Rome', p.ADMIN))

        def posted() -> list[int]:
            return [
                message_id
                for (chat, message_id), shown in api.messages.items()
                if chat == GROUP_ID and "Cena" in str(shown["html"]) and shown["reply_markup"]
            ]

        (message_id,) = await until(api, posted)
        (shown,) = [m for (c, i), m in api.messages.items() if i == message_id]
        assert "<tg-time unix=" in str(shown["html"]) and "Europe/Rome (UTC+0" in str(shown["html"])
        await api.push(p.callback("ev:1:going", user=p.ALICE, message_id=message_id))
        (toast,) = await api.wait_for("answerCallbackQuery", timeout=60)
        assert toast["text"] == "Partecipi"

        assert await stop(first, signal.SIGKILL) == -signal.SIGKILL
        async with engine.begin() as connection:  # the reminder falls due while it is down
            moved = await connection.execute(
                update(ScheduledJob)
                .where(ScheduledJob.key == "event-remind:1:60")
                .values(due_at=datetime.now(UTC) - timedelta(minutes=1))
            )
            assert moved.rowcount == 1
        assert reminders(api) == []

        second = await run(config, log, api.token)
        (reminder,) = await until(api, lambda: reminders(api))
        assert int(str(reminder["chat_id"])) == p.ALICE["id"], "privately"
        assert "Cena" in str(reminder["text"])
        buttons = reminder["reply_markup"]["inline_keyboard"]
        assert [[b["callback_data"] for b in row] for row in buttons] == [["evq:1"]]

        assert await stop(second, signal.SIGTERM) == 0, log.read_text()
        third = await run(config, log, api.token)
        await api.push(p.command("/events", p.ALICE))
        await until(
            api,
            lambda: [
                c
                for c in api.called("sendMessage")
                if "Cena" in str(c["text"]) and "Eventi in programma" in str(c["text"])
            ],
        )
        assert await stop(third, signal.SIGTERM) == 0, log.read_text()
        assert len(reminders(api)) == 1, "sent exactly once"
        async with engine.connect() as connection:
            jobs = (
                await connection.execute(
                    select(ScheduledJob.status).where(ScheduledJob.key == "event-remind:1:60")
                )
            ).all()
        assert jobs == [("done",)], jobs
        assert "Traceback" not in log.read_text()
    finally:
        for process in (first, second, third):
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()
        await engine.dispose()
        await api.close()
