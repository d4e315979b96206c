"""The registry of processes per bot: Telegram polling never runs beside other processes
of the same bot; rows of processes that are gone do not count."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.processes import LIVE_FOR, BotProcesses, _rows, conflict

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)
POLLING = {"tg": ("telegram", "polling")}
WEBHOOK = {"tg": ("telegram", "webhook")}


def test_the_rules() -> None:
    assert conflict("telegram", "webhook", ["webhook", "webhook"]) is None
    assert conflict("telegram-ptb", "polling", []) is None
    assert conflict("discord", "connected", ["connected"]) is None  # shards, HTTP
    polling = conflict("telegram", "polling", ["webhook"])
    assert polling is not None and polling.startswith("another townsquare process already")
    beside = conflict("telegram", "webhook", ["polling"])
    assert beside is not None and 'mode = "webhook" on every process' in beside


async def test_polling_is_refused_beside_another_process(migrated_engine: AsyncEngine) -> None:
    first, second = BotProcesses(migrated_engine), BotProcesses(migrated_engine)
    assert await first.register(WEBHOOK, NOW) == []
    assert await second.register(WEBHOOK, NOW) == [], "webhook processes share a bot"
    third = BotProcesses(migrated_engine)
    ((key, problem),) = await third.register(POLLING, NOW)
    assert key == "bots (tg).mode"
    assert "long polling takes one process per bot" in problem
    await first.release()
    await second.release()
    assert await third.register(POLLING, NOW) == []
    ((_key, problem),) = await BotProcesses(migrated_engine).register(WEBHOOK, NOW)
    assert "receives this Telegram bot by long polling" in problem


async def test_rows_of_processes_that_are_gone_do_not_count(
    migrated_engine: AsyncEngine,
) -> None:
    silent = BotProcesses(migrated_engine)
    assert await silent.register(POLLING, NOW) == []
    later = NOW + LIVE_FOR + timedelta(seconds=1)
    assert await BotProcesses(migrated_engine).register(POLLING, later) == []

    # A process of this host that died (SIGKILL) is recognised at once, not after LIVE_FOR.
    dead = BotProcesses(migrated_engine)
    assert await dead.register({"other": ("telegram", "polling")}, later) == []
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import os; print(os.getpid())", stdout=asyncio.subprocess.PIPE
    )
    output, _ = await child.communicate()
    gone_pid = int(output)
    host, _, rest = dead.owner.partition(":")
    async with migrated_engine.begin() as connection:
        await connection.execute(
            update(_rows)
            .where(_rows.c.owner == dead.owner)
            .values(owner=f"{host}:{gone_pid}:{rest.partition(':')[2]}")
        )
    assert gone_pid != os.getpid()
    assert (
        await BotProcesses(migrated_engine).register({"other": ("telegram", "polling")}, later)
        == []
    )
