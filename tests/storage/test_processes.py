"""The registry of processes per bot: Telegram polling never runs beside other processes
of the same bot; rows of processes that are gone do not count."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from townsquare.storage.processes import LIVE_FOR, BotProcesses, _jobs, _outbox, _rows, conflict

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


async def _gone_pid() -> int:
    """The pid of a process of this host that has exited."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import os; print(os.getpid())", stdout=asyncio.subprocess.PIPE
    )
    output, _ = await child.communicate()
    return int(output)


async def _lease(engine: AsyncEngine, owner: str, *, status: str = "pending") -> int:
    async with engine.begin() as connection:
        result = await connection.execute(
            _outbox.insert().returning(_outbox.c.id),
            {
                "bot": "tg",
                "kind": "send_message",
                "lane": "tg:chat:1",
                "payload": {},
                "status": status,
                "attempts": 0,
                "created_at": NOW,
                "next_attempt_at": NOW,
                "locked_until": NOW + timedelta(seconds=30),
                "locked_by": owner,
            },
        )
        return int(result.scalar_one())


async def _owners(engine: AsyncEngine) -> dict[int, str | None]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(_outbox.c.id, _outbox.c.locked_by))
        return {row.id: row.locked_by for row in rows}


async def test_the_leases_of_a_killed_process_are_handed_back_at_once(
    migrated_engine: AsyncEngine,
) -> None:
    """A SIGKILLed process's outbox leases end when the next process starts or a survivor
    beats, not when their 30 s run out; a live process's leases (and finished rows) stay."""
    survivor, dead = BotProcesses(migrated_engine), BotProcesses(migrated_engine)
    assert await survivor.register(WEBHOOK, NOW) == []
    assert await dead.register(WEBHOOK, NOW) == []
    host, _, rest = dead.owner.partition(":")
    killed = f"{host}:{await _gone_pid()}:{rest.partition(':')[2]}"
    async with migrated_engine.begin() as connection:
        await connection.execute(
            update(_rows).where(_rows.c.owner == dead.owner).values(owner=killed)
        )
    kept = await _lease(migrated_engine, survivor.owner)
    orphan = await _lease(migrated_engine, killed)
    sent = await _lease(migrated_engine, killed, status="sent")
    assert await _owners(migrated_engine) == {kept: survivor.owner, orphan: killed, sent: killed}

    await survivor.refresh(NOW + timedelta(seconds=10))

    assert await _owners(migrated_engine) == {kept: survivor.owner, orphan: None, sent: killed}
    async with migrated_engine.connect() as connection:
        until = (
            await connection.execute(select(_outbox.c.locked_until).where(_outbox.c.id == orphan))
        ).scalar_one()
    assert until is None


async def test_a_process_taken_for_gone_registers_again_on_its_next_beat(
    migrated_engine: AsyncEngine,
) -> None:
    """After a database cut longer than LIVE_FOR, others forgot this process's rows; its
    next heartbeat writes them again, so its own leases are not handed to others after."""
    slow, other = BotProcesses(migrated_engine), BotProcesses(migrated_engine)
    assert await slow.register(WEBHOOK, NOW) == []
    later = NOW + LIVE_FOR + timedelta(seconds=1)
    assert await other.register(WEBHOOK, later) == []  # forgets slow's stale row
    async with migrated_engine.connect() as connection:
        owners = set((await connection.execute(select(_rows.c.owner))).scalars())
    assert owners == {other.owner}

    await slow.refresh(later)
    held = await _lease(migrated_engine, slow.owner)
    await other.refresh(later + timedelta(seconds=1))

    assert (await _owners(migrated_engine))[held] == slow.owner


async def test_alone_on_sqlite_every_job_lease_is_handed_back(
    migrated_engine: AsyncEngine,
) -> None:
    async with migrated_engine.begin() as connection:
        await connection.execute(
            _jobs.insert(),
            {
                "kind": "poll.close",
                "platform": "telegram",
                "bot": "tg",
                "payload": {},
                "due_at": NOW,
                "status": "pending",
                "locked_until": NOW + timedelta(seconds=30),
                "created_at": NOW,
            },
        )
    processes = BotProcesses(migrated_engine)
    assert await processes.register(POLLING, NOW) == []
    await processes.reclaim(NOW)
    async with migrated_engine.connect() as connection:
        leased = (await connection.execute(select(_jobs.c.locked_until))).scalar_one()
    assert leased is not None, "without alone, job leases (no owner) are kept"
    await processes.reclaim(NOW, alone=True)
    async with migrated_engine.connect() as connection:
        leased = (await connection.execute(select(_jobs.c.locked_until))).scalar_one()
    assert leased is None


async def test_a_late_heartbeat_elsewhere_never_hands_its_leases_to_others(
    migrated_engine: AsyncEngine,
) -> None:
    """A process on another host whose row went stale (its event loop starved, a database
    cut) may still be sending: its leases are kept until they run out by themselves, so
    no message is sent twice while it lives."""
    here, elsewhere = BotProcesses(migrated_engine), BotProcesses(migrated_engine)
    assert await here.register(WEBHOOK, NOW) == []
    assert await elsewhere.register(WEBHOOK, NOW) == []
    remote = "another-host:4242:0badcafe"
    async with migrated_engine.begin() as connection:
        await connection.execute(
            update(_rows).where(_rows.c.owner == elsewhere.owner).values(owner=remote)
        )
    held = await _lease(migrated_engine, remote)
    await here.refresh(NOW + LIVE_FOR * 3)  # its row is long stale by now
    assert (await _owners(migrated_engine))[held] == remote


async def test_alone_on_sqlite_every_other_owners_lease_is_handed_back(
    migrated_engine: AsyncEngine,
) -> None:
    processes = BotProcesses(migrated_engine)
    assert await processes.register(POLLING, NOW) == []
    mine = await _lease(migrated_engine, processes.owner)
    other = await _lease(migrated_engine, "delivery-0000beef")
    assert await processes.reclaim(NOW) == 0, "without alone, no evidence the owner is gone"
    assert await processes.reclaim(NOW, alone=True) == 1
    assert await _owners(migrated_engine) == {mine: processes.owner, other: None}
