"""A Discord bot is ready once every guild READY listed has arrived, without discord.py's
fixed ``guild_ready_timeout`` wait after the last one; a guild the bot is invited to in
that window is still a join."""

from __future__ import annotations

from tests.discord.conftest import World, start_adapter
from tests.fakes.discord import FakeDiscord
from townsquare.core.events import BotAdded, MessagePosted


async def test_ready_without_the_fixed_wait_and_a_join_in_the_window_counts(
    fake: FakeDiscord, world: World
) -> None:
    started = await start_adapter(fake, guild_ready_timeout=600)
    try:
        client = started.adapter.client
        assert client is not None
        assert not client.is_ready(), "start waited for discord.py's 600 s delay"
        assert client.get_guild(world.guild.id) is not None, "ready before its guild came"

        invited = fake.add_guild("Second Square")
        await fake.bot_added(invited)  # discord.py still waits: it says "available"
        (added,) = await started.events.wait_for(lambda e: isinstance(e, BotAdded))
        assert added.community is not None and added.community.id == str(invited.id)

        posted = await fake.post(world.guild, "general", world.alice_id, "hello early")
        await started.events.wait_for(
            lambda e: isinstance(e, MessagePosted) and e.event_id == posted["id"]
        )
        assert not client.is_ready()
    finally:
        await started.adapter.close()
