"""A Discord bot whose gateway Discord closes for good (the token was reset) is reported
``lost`` in ``/readyz`` with the reason, instead of staying "running" while it hears
nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.discord.conftest import World
from tests.discord.test_e2e import BOT, _config
from tests.fakes.discord import FakeDiscord
from tests.web.test_health import get, web_of
from townsquare.adapters.discord.transport import DiscordAdapter
from townsquare.bots.runtime import Runtime


async def test_a_gateway_closed_for_good_makes_the_bot_lost(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    runtime = Runtime(_config(fake, tmp_path))
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
