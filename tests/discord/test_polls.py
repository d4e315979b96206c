"""A poll through Discord: a slash command, buttons, presses, live tally edits."""

from __future__ import annotations

from pathlib import Path

from bots.runtime import Runtime
from tests.discord.conftest import World
from tests.discord.test_e2e import _config
from tests.fakes.discord import FakeDiscord


async def test_poll_buttons_votes_and_tally(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    runtime = Runtime(_config(fake, tmp_path))
    await runtime.start()
    try:
        guild = world.guild
        await fake.wait_request("PUT", rf"/applications/\d+/guilds/{guild.id}/commands", timeout=30)
        await fake.slash(
            guild,
            "general",
            world.mod_id,
            "poll create",
            question="Lunch @everyone?",
            option1="Pizza",
            option2="Sushi",
        )
        polls = await fake.wait_for(
            lambda: [m for m in fake.messages_in(world.general_id) if m["components"]], timeout=15
        )
        poll = polls[0]
        assert "#1" in poll["content"] and poll["pings"]["everyone"] is False
        custom_ids = [c["custom_id"] for row in poll["components"] for c in row["components"]]
        assert custom_ids == ["poll:1:0", "poll:1:1", "poll:1:r"]

        press = await fake.press(guild, poll, world.alice_id, "poll:1:1")
        (toast,) = await fake.wait_request("POST", rf"/webhooks/\d+/{press.payload['token']}")
        assert toast.json["content"] == "Vote recorded" and toast.json["flags"] & 64
        edited = await fake.wait_for(
            lambda: [
                m
                for m in fake.messages_in(world.general_id)
                if "2. Sushi — 1" in fake.shown(m["content"])
            ],
            timeout=15,
        )
        assert edited[0]["id"] == poll["id"], "the poll message itself is edited"
    finally:
        await runtime.stop()
