"""Events on Discord through discord.py and the fake: the slash command posts the event
with its buttons, and the guild gets a scheduled event created, changed and cancelled
with ours."""

from __future__ import annotations

from typing import Any

from tests.discord.conftest import World
from tests.fakes.bots import discord_runtime
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p
from tests.fakes.discord.scheduled import MANAGE_EVENTS


def _with_buttons(fake: FakeDiscord, channel_id: int | str) -> list[dict[str, Any]]:
    return [m for m in fake.messages_in(channel_id) if m["components"]]


async def test_the_guild_gets_a_scheduled_event_that_follows_ours(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    guild = world.guild
    events = p.role(p.snowflake(), "Events", p.EVERYONE_PERMISSIONS | MANAGE_EVENTS, position=2)
    guild.roles.append(events)
    guild.members[fake.bot_id]["roles"] = [*guild.members[fake.bot_id]["roles"], events["id"]]
    async with discord_runtime(fake, guild, sqlite_url):
        await fake.slash(
            guild, "general", world.mod_id, "event create",
            title="Board games", when1="in 3d", where="Library", capacity="8",
        )  # fmt: skip
        (post,) = await fake.wait_for(lambda: _with_buttons(fake, world.general_id), timeout=15)
        shown = fake.shown(post["content"])
        assert "📅 #1 **Board games**" in shown and "<t:" in post["content"], "a native moment"
        custom_ids = [c["custom_id"] for row in post["components"] for c in row["components"]]
        assert custom_ids == ["ev:1:going", "ev:1:maybe", "ev:1:no"]
        (created,) = await fake.wait_for(lambda: list(fake.scheduled_events.values()), timeout=15)
        assert created["name"] == "Board games" and created["entity_type"] == 3
        assert created["entity_metadata"] == {"location": "Library"}
        assert created["status"] == 1

        await fake.slash(guild, "general", world.mod_id, "event edit", id="1", where="Park")
        await fake.wait_for(
            lambda: created["entity_metadata"] == {"location": "Park"} or None, timeout=15
        )
        await fake.slash(guild, "general", world.mod_id, "event cancel", id="1")
        await fake.wait_for(lambda: created["status"] == 4 or None, timeout=15)
        assert [method for method, _body in fake.scheduled_calls] == ["POST", "PATCH", "PATCH"]
        assert fake.scheduled_calls[-1][1] == {"status": 4}
        assert len(fake.scheduled_events) == 1
