"""A poll through Discord: a slash command, buttons, presses, live tally edits, export."""

from __future__ import annotations

import re
import time
from typing import Any

from tests.discord.conftest import World
from tests.fakes.bots import discord_runtime
from tests.fakes.discord import FakeDiscord


async def test_poll_buttons_votes_and_tally(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    guild = world.guild
    async with discord_runtime(fake, guild, sqlite_url):
        await fake.slash(
            guild,
            "general",
            world.mod_id,
            "poll create",
            question="Lunch @everyone?",
            option1="Pizza",
            option2="Sushi",
        )
        polls = await fake.wait_for(lambda: _with_buttons(fake, world.general_id), timeout=15)
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


def _with_buttons(fake: FakeDiscord, channel_id: int | str) -> list[dict[str, Any]]:
    return [m for m in fake.messages_in(channel_id) if m["components"]]


def _files(fake: FakeDiscord, channel_id: int | str) -> list[dict[str, Any]]:
    return [m for m in fake.messages_in(channel_id) if m["attachments"]]


def _dm_channel(fake: FakeDiscord, user_id: int) -> str:
    return next(
        c["id"]
        for c in fake.channels.values()
        if c["type"] == 1 and c["recipients"][0]["id"] == str(user_id)
    )


async def test_export_is_a_csv_attachment_sent_privately(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    guild = world.guild
    async with discord_runtime(fake, guild, sqlite_url):
        await fake.slash(
            guild, "general", world.mod_id, "poll create", question="Lunch *now*?",
            option1="Pizza, thin", option2="Sushi",
        )  # fmt: skip
        (poll,) = await fake.wait_for(lambda: _with_buttons(fake, world.general_id), timeout=15)
        await fake.press(guild, poll, world.alice_id, "poll:1:0")
        await fake.wait_request("POST", r"/webhooks/\d+/.+")
        await fake.slash(guild, "general", world.mod_id, "poll export", id="1")
        (message,) = await fake.wait_for(
            lambda: [m for m in fake.bot_messages() if m["attachments"]], timeout=15
        )
        assert message["channel_id"] == _dm_channel(fake, world.mod_id), "privately"
        assert fake.shown(message["content"]) == "Poll #1 as CSV: **Lunch *now*?**"
        assert fake.attachments(message) == [
            ("poll-1.csv", b'option,votes,voters\r\n"Pizza, thin",1,Alice\r\nSushi,0,\r\n')
        ]
        assert message["attachments"][0]["content_type"] == "text/csv"
        assert not _files(fake, world.general_id)


async def test_export_to_a_manager_with_closed_dms_lands_in_the_channel(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    fake.dms_closed.add(world.mod_id)
    guild = world.guild
    async with discord_runtime(fake, guild, sqlite_url):
        await fake.slash(
            guild, "general", world.mod_id, "poll create", question="Secret?", option1="Yes",
            option2="No", anonymous=True,
        )  # fmt: skip
        await fake.wait_for(lambda: _with_buttons(fake, world.general_id), timeout=15)
        await fake.slash(guild, "general", world.mod_id, "poll export", id="1")
        (message,) = await fake.wait_for(lambda: _files(fake, world.general_id), timeout=15)
        assert message["content"].startswith(f"<@{world.mod_id}> Poll #1 as CSV:")
        assert message["pings"]["users"] == [str(world.mod_id)]
        assert fake.attachments(message) == [("poll-1.csv", b"option,votes\r\nYes,0\r\nNo,0\r\n")]


async def test_a_deadline_is_a_timestamp_each_member_reads_in_their_time_zone(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    guild = world.guild
    async with discord_runtime(fake, guild, sqlite_url):
        asked = time.time()
        await fake.slash(
            guild,
            "general",
            world.mod_id,
            "poll create",
            question="Lunch?",
            option1="Pizza",
            option2="Sushi",
            closes="2h",
        )
        (poll,) = await fake.wait_for(lambda: _with_buttons(fake, world.general_id), timeout=15)
        (unix,) = [int(found) for found in re.findall(r"closes\* <t:(\d+):F>", poll["content"])]
        assert asked + 7200 - 5 <= unix <= time.time() + 7200
