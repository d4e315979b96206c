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


def _dms_to(fake: FakeDiscord, user_id: int) -> list[dict[str, Any]]:
    return [
        message
        for channel in list(fake.channels.values())
        if channel["type"] == 1 and channel["recipients"][0]["id"] == str(user_id)
        for message in fake.messages_in(channel["id"])
    ]


def _let_bot_schedule(fake: FakeDiscord, world: World) -> None:
    guild = world.guild
    events = p.role(p.snowflake(), "Events", p.EVERYONE_PERMISSIONS | MANAGE_EVENTS, position=2)
    guild.roles.append(events)
    guild.members[fake.bot_id]["roles"] = [*guild.members[fake.bot_id]["roles"], events["id"]]


async def test_a_refused_mirror_is_told_once_to_the_manager_and_the_event_is_posted(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    guild = world.guild  # the bot lacks Manage Events
    async with discord_runtime(fake, guild, sqlite_url) as runtime:
        await fake.slash(
            guild, "general", world.mod_id, "event create", title="Board games", when1="in 3d"
        )
        await fake.wait_for(lambda: _with_buttons(fake, world.general_id), timeout=15)
        (told,) = await fake.wait_for(lambda: _dms_to(fake, world.mod_id), timeout=15)
        shown = fake.shown(told["content"])
        assert shown.startswith("Discord refused to add your event #1 **Board games**")
        assert "Manage Events" in shown and "50013" in shown, "with Discord's reason"
        assert fake.scheduled_events == {}
        await fake.slash(guild, "general", world.mod_id, "event edit", id="1", where="Park")
        await fake.slash(guild, "general", world.mod_id, "event cancel", id="1")
        await fake.wait_for(
            lambda: (
                any("cancelled" in m["content"] for m in fake.messages_in(world.general_id)) or None
            ),
            timeout=15,
        )
        assert await runtime.worker.drain(timeout=15)
        assert len(_dms_to(fake, world.mod_id)) == 1, "not again for its edit or cancel"


async def test_discords_interested_count_is_shown_beside_our_answers(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    guild = world.guild
    _let_bot_schedule(fake, world)
    async with discord_runtime(fake, guild, sqlite_url):
        await fake.slash(
            guild, "general", world.mod_id, "event create", title="Board games", when1="in 3d"
        )
        (post,) = await fake.wait_for(lambda: _with_buttons(fake, world.general_id), timeout=15)
        (created,) = await fake.wait_for(lambda: list(fake.scheduled_events.values()), timeout=15)
        assert "interested" not in post["content"]

        def shown(count: int) -> bool | None:
            current = fake.messages.get(int(post["id"]), {}).get("content", "")
            return f"⭐ {count} interested on Discord" in current or None

        await fake.mark_interested(created["id"], world.alice_id)
        await fake.wait_for(lambda: shown(1), timeout=15)
        await fake.mark_interested(created["id"], world.mod_id)
        await fake.wait_for(lambda: shown(2), timeout=15)
        await fake.mark_interested(created["id"], world.alice_id, on=False)
        await fake.wait_for(lambda: shown(1), timeout=15)
        assert "✅ 0 going" in fake.messages[int(post["id"])]["content"], "beside our answers"
        (read, *_rest) = fake.find_requests(
            "GET", rf"/guilds/{guild.id}/scheduled-events/{created['id']}", status=200
        )
        assert read.query.get("with_user_count") == "true"
