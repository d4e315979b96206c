"""A Discord bot whose gateway Discord closes for good (the token was reset) is reported
``lost`` in ``/readyz`` with the reason, instead of staying "running" while it hears
nothing, and is started again with backoff: once Discord accepts it again, it runs and
hears events without a restart of the process."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.discord.conftest import World
from tests.discord.test_e2e import BOT, _config, _ephemeral_answer
from tests.fakes.discord import FakeDiscord
from tests.web.test_health import get, web_of
from townsquare.adapters.discord.transport import DiscordAdapter
from townsquare.bots.runtime import Runtime
from townsquare.core.ports import EventSink


async def test_a_gateway_closed_for_good_makes_the_bot_lost(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    runtime = Runtime(_config(fake, tmp_path), retry_delays=(60.0,))
    await runtime.start()
    try:
        assert runtime.bot_states()[BOT] == "running"
        (adapter,) = runtime.started
        assert isinstance(adapter, DiscordAdapter) and adapter._connect_task is not None
        await fake.close_gateway(4004)  # "Authentication failed": no reconnect
        done, _ = await asyncio.wait([adapter._connect_task], timeout=15)
        assert done, "the gateway loop did not end"
        await asyncio.sleep(0)  # its done callback runs next

        assert runtime.bot_states()[BOT] == "lost"
        async with web_of(runtime) as url:
            status, body = await get(url + "/readyz")
        assert status == 503
        assert body["bots"][BOT]["state"] == "lost"
        assert "close code 4004" in body["bots"][BOT]["error"]
        assert body["failing"] == [BOT]
    finally:
        await runtime.stop()


async def test_a_lost_bot_is_started_again_and_hears_events(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    runtime = Runtime(_config(fake, tmp_path), retry_delays=(0.05,))
    await runtime.start()
    try:
        (adapter,) = runtime.started
        assert isinstance(adapter, DiscordAdapter)
        restarted = asyncio.Event()
        start = adapter.start

        async def start_again(sink: EventSink) -> None:
            await start(sink)
            restarted.set()

        adapter.start = start_again  # type: ignore[method-assign]
        commands = rf"/applications/\d+/guilds/{world.guild.id}/commands"
        await fake.wait_request("PUT", commands, timeout=30)
        await fake.close_gateway(4004)
        await asyncio.wait_for(adapter.ended.wait(), timeout=15)
        assert runtime.bot_states()[BOT] == "lost"
        await asyncio.wait_for(restarted.wait(), timeout=20)

        assert runtime.bot_states()[BOT] == "running"
        assert runtime.metrics.counters["bots.lost"] == 1
        assert BOT not in runtime.errors
        interaction = await fake.slash(world.guild, "general", world.alice_id, "help")
        answer = await _ephemeral_answer(fake, interaction.payload["token"])
        assert "/help" in answer["content"]
    finally:
        await runtime.stop()


async def test_a_bot_stopped_right_after_it_started_leaves_no_failing_task(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    """discord.py still waits ``guild_ready_timeout`` after the last GUILD_CREATE when the
    bot is already ready; a stop in that window must cancel the wait, not leave it to
    dispatch on a closed client (a traceback in the operator's log)."""
    runtime = Runtime(_config(fake, tmp_path))
    await runtime.start()
    (adapter,) = runtime.started
    assert isinstance(adapter, DiscordAdapter) and adapter.client is not None
    waiting = adapter.client._connection._ready_task
    assert waiting is not None and not waiting.done(), "stopped inside discord.py's wait"
    await runtime.stop()
    await asyncio.wait([waiting], timeout=5)
    assert waiting.done()
    assert waiting.cancelled() or waiting.exception() is None
