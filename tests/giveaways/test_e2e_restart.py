"""End to end through a real ``townsquare run`` process and the fake Bot API: a giveaway
is started and entered, the process is SIGKILLed before the deadline, the deadline passes
while it is down, and the next start draws it exactly once; the winners follow from the
revealed seed by the README's recipe; a third start after a SIGTERM draws nothing again."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from tests.conftest import migrate
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.giveaways.test_draw import readme_recipe
from townsquare.storage.database import create_engine
from townsquare.storage.giveaways_models import GiveawayEntryRow, GiveawayRoundRow
from townsquare.storage.models import ScheduledJob

ROOT = Path(__file__).resolve().parents[2]
GROUP_ID = int(str(p.GROUP["id"]))
BEA = {"id": 1004, "is_bot": False, "first_name": "Bea"}
HEX = re.compile(r"\b[0-9a-f]{64}\b")


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


def results(api: FakeBotApi) -> list[dict[str, object]]:
    return [
        call for call in api.called("sendMessage") if "Winners of giveaway #1" in str(call["text"])
    ]


async def test_a_giveaway_is_drawn_once_across_a_sigkill_and_reproducibly(
    tmp_path: Path,
) -> None:
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
        await api.push(p.command('/giveaway "A signed book" --ends 1h --winners 2', p.ADMIN))
        (post,) = await api.wait_for("sendMessage", timeout=60)
        (posted_hash,) = HEX.findall(str(post["text"]))
        assert "A signed book" in post["text"] and "2 winners" in post["text"]
        for user in (p.ALICE, p.EVE, BEA):
            await api.push(p.callback("giveaway:1", user=user, message_id=500))
        toasts = await api.wait_for("answerCallbackQuery", 3, timeout=60)
        assert [t["text"] for t in toasts] == ["You are in. Good luck!"] * 3

        assert await stop(first, signal.SIGKILL) == -signal.SIGKILL
        assert results(api) == []
        async with engine.begin() as connection:  # the deadline passes while it is down
            moved = await connection.execute(
                update(ScheduledJob)
                .where(ScheduledJob.key == "giveaway-draw:1")
                .values(due_at=datetime.now(UTC) - timedelta(minutes=1))
            )
            assert moved.rowcount == 1

        second = await run(config, log, api.token)
        async with asyncio.timeout(60):
            while not results(api):
                await api.wait_for("sendMessage", len(api.called("sendMessage")) + 1, timeout=60)
        (result,) = results(api)
        text = str(result["text"])
        (seed,) = HEX.findall(text)
        assert hashlib.sha256(seed.encode()).hexdigest() == posted_hash
        mentioned = {int(found) for found in re.findall(r"tg://user\?id=(\d+)", text)}
        assert len(mentioned) == 2 and mentioned <= {p.ALICE["id"], p.EVE["id"], BEA["id"]}

        async with engine.connect() as connection:
            entries = (await connection.execute(select(GiveawayEntryRow))).all()
        by_key = {row.entrant: int(row.user_id) for row in entries}
        winners = readme_recipe()(seed, list(by_key), 2)
        assert {by_key[key] for key in winners} == mentioned, "reproducible from the seed"

        def told() -> list[dict[str, object]]:
            return [c for c in api.called("sendMessage") if "You won giveaway #1" in str(c["text"])]

        async with asyncio.timeout(60):
            while len(told()) < 2:
                await api.wait_for("sendMessage", len(api.called("sendMessage")) + 1, timeout=60)
        assert {int(str(dm["chat_id"])) for dm in told()} == mentioned, "each winner, privately"

        assert await stop(second, signal.SIGTERM) == 0, log.read_text()
        third = await run(config, log, api.token)
        await api.push(p.command("/giveaway verify 1", p.ALICE))
        async with asyncio.timeout(60):
            while not any("checks out" in str(c["text"]) for c in api.called("sendMessage")):
                await api.wait_for("sendMessage", len(api.called("sendMessage")) + 1, timeout=60)
        assert await stop(third, signal.SIGTERM) == 0, log.read_text()
        assert len(results(api)) == 1, "drawn exactly once"
        async with engine.connect() as connection:
            rounds = await connection.scalar(select(func.count()).select_from(GiveawayRoundRow))
            jobs = (
                await connection.execute(
                    select(ScheduledJob.status).where(ScheduledJob.key == "giveaway-draw:1")
                )
            ).all()
        assert rounds == 1
        assert jobs in ([("done",)], []), jobs
        assert "Traceback" not in log.read_text()
    finally:
        for process in (first, second, third):
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()
        await engine.dispose()
        await api.close()
