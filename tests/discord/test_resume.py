"""What Discord sends while no process runs is received: ``townsquare run`` killed with
SIGKILL (or stopped) and started again resumes the session it left beside its own.

Without it a member who joined in the gap was never greeted: Discord sends a gateway
event once, to the session that was connected, and a new process identified anew."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from tests.discord.conftest import BOT, COMMANDS, World, bot_config
from tests.discord.test_e2e import _interrupt, _townsquare, _write_config
from tests.fakes.discord import FakeDiscord
from townsquare.adapters.discord.transport import DiscordAdapter
from townsquare.core.events import Event, MessagePosted
from townsquare.core.ports import AdapterDeps, GatewaySession
from townsquare.storage.gateway_models import GatewaySessionRow


async def _saved_sequence(database: Path) -> int | None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.connect() as connection:
            return (
                await connection.execute(select(GatewaySessionRow.__table__.c.sequence))
            ).scalar()
    finally:
        await engine.dispose()


async def _saved_past(database: Path, sequence: int) -> None:
    """Poll (bounded) until the other process saved its session at ``sequence`` or later:
    its database is the only place that says so."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        saved = await _saved_sequence(database)
        if saved is not None and saved >= sequence:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the session was not saved past sequence {sequence}")


def _greeted(fake: FakeDiscord, world: World, name: str) -> list[str]:
    channel = str(world.guild.system_channel_id)
    return [m["content"] for m in fake.messages_in(channel) if m["content"] == f"Welcome {name}"]


async def _run_and_greet_one(
    fake: FakeDiscord, world: World, config: str
) -> asyncio.subprocess.Process:
    process = await _townsquare(fake, "run", config, module="tests.discord.run_with_test_features")
    await fake.wait_ready(sessions=1, timeout=90)
    await fake.member_joins(world.guild, "before", global_name="Before")
    await fake.wait_for(lambda: _greeted(fake, world, "Before"), timeout=30)
    return process


async def test_a_member_who_joins_while_the_process_is_killed_is_greeted(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    config = str(_write_config(fake, tmp_path))
    process = await _run_and_greet_one(fake, world, config)
    (session,) = [s for s in fake.sessions.values() if s.ws is not None]
    await _saved_past(tmp_path / "town.db", session.sent[-1]["s"])
    process.send_signal(signal.SIGKILL)
    await process.wait()

    await fake.member_joins(world.guild, "gap", global_name="Gap")
    await fake.post(world.guild, "general", world.alice_id, "said while no process ran")

    process = await _townsquare(fake, "run", config, module="tests.discord.run_with_test_features")
    try:
        greeting = await fake.wait_for(lambda: _greeted(fake, world, "Gap"), timeout=30)
        assert greeting == ["Welcome Gap"]
        await fake.member_joins(world.guild, "after", global_name="After")
        await fake.wait_for(lambda: _greeted(fake, world, "After"), timeout=30)
    finally:
        log = await _interrupt(process)
    assert process.returncode == 0, log
    assert "resumed the session of shard 0 that the previous process left" in log, log
    assert _greeted(fake, world, "Before") == ["Welcome Before"], "nothing handled twice"
    assert "Traceback" not in log, log


async def test_a_member_who_joins_during_a_restart_is_greeted(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    config = str(_write_config(fake, tmp_path))
    process = await _run_and_greet_one(fake, world, config)
    log = await _interrupt(process)
    assert process.returncode == 0, log

    await fake.member_joins(world.guild, "gap", global_name="Gap")

    process = await _townsquare(fake, "run", config, module="tests.discord.run_with_test_features")
    try:
        await fake.wait_for(lambda: _greeted(fake, world, "Gap"), timeout=30)
    finally:
        log = await _interrupt(process)
    assert process.returncode == 0, log
    assert _greeted(fake, world, "Gap") == ["Welcome Gap"]
    assert _greeted(fake, world, "Before") == ["Welcome Before"]


async def test_an_expired_session_is_reported_and_the_bot_runs_on(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    config = str(_write_config(fake, tmp_path))
    process = await _run_and_greet_one(fake, world, config)
    log = await _interrupt(process)
    assert process.returncode == 0, log
    fake.sessions.clear()  # Discord forgot the session (it expired)

    process = await _townsquare(fake, "run", config, module="tests.discord.run_with_test_features")
    try:
        await fake.wait_ready(sessions=1, timeout=90)
        await fake.member_joins(world.guild, "after", global_name="After")
        await fake.wait_for(lambda: _greeted(fake, world, "After"), timeout=30)
    finally:
        log = await _interrupt(process)
    assert process.returncode == 0, log
    assert "no longer knows the previous process's gateway session" in log, log
    assert "Traceback" not in log, log


class MemorySessions:
    def __init__(self) -> None:
        self.saved: dict[tuple[str, int], GatewaySession] = {}
        self.writes = 0

    async def load(self, bot: str, shard: int) -> GatewaySession | None:
        return self.saved.get((bot, shard))

    async def save(self, bot: str, shard: int, session: GatewaySession) -> None:
        self.saved[bot, shard] = session
        self.writes += 1

    async def forget(self, bot: str, shard: int) -> None:
        self.saved.pop((bot, shard), None)


async def test_a_dispatch_that_was_not_stored_holds_the_saved_sequence_back(
    fake: FakeDiscord, world: World
) -> None:
    """The saved sequence never passes a dispatch the core did not store (for the rest of
    the process), so the next process's resume replays it instead of skipping it."""
    sessions = MemorySessions()
    adapter = DiscordAdapter(bot_config(fake), AdapterDeps(commands=COMMANDS, sessions=sessions))
    stored: list[Event] = []
    failing = False
    refused = asyncio.Event()
    changed = asyncio.Condition()

    async def sink(event: Event) -> None:
        if failing:
            refused.set()
            raise ConnectionError("the database is gone")
        async with changed:
            stored.append(event)
            changed.notify_all()

    async def posts_stored(count: int) -> None:
        async with changed:
            await asyncio.wait_for(
                changed.wait_for(
                    lambda: len([e for e in stored if isinstance(e, MessagePosted)]) >= count
                ),
                5,
            )

    await adapter.start(sink)
    try:
        client = adapter.client
        assert client is not None
        await fake.post(world.guild, "general", world.alice_id, "stored")
        await posts_stored(1)
        await adapter.sessions.save(client)
        (before,) = sessions.saved.values()
        writes = sessions.writes
        await adapter.sessions.save(client)
        assert sessions.writes == writes, "an unchanged session is written again"

        failing = True
        await fake.post(world.guild, "general", world.alice_id, "lost for now")
        await asyncio.wait_for(refused.wait(), 5)
        await adapter.intake.settled()
        assert adapter.intake.failures == 1
        await adapter.sessions.save(client)
        assert sessions.saved[BOT, 0] == before, "saved past a dispatch that was not stored"

        failing = False
        await fake.post(world.guild, "general", world.alice_id, "stored again")
        await posts_stored(2)
        await adapter.sessions.save(client)
        assert sessions.saved[BOT, 0] == before, "the next start must replay the lost one"
    finally:
        await adapter.close()
