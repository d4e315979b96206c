"""End to end: the runtime (pipeline, SQLite outbox, delivery worker) with the real
discord.py client against the fake Discord, then ``townsquare run`` as a subprocess."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from bots.config import Config, parse_config
from bots.runtime import Runtime
from core.actions import Button, ButtonStyle, SendDirect
from core.commands import CommandSpec, Invocation
from core.events import ButtonPressed, MemberJoined
from core.features import Context, Feature, command, on
from core.text import as_text
from tests.conformance.scenarios import HOSTILE_NAME
from tests.discord.conftest import World
from tests.fakes.discord import FakeDiscord

BOT = "discord-main"
REPOSITORY = Path(__file__).resolve().parents[2]


class GreetOnce(Feature):
    name = "test-greeter"

    @on(MemberJoined)
    async def greet(self, event: MemberJoined, ctx: Context) -> None:
        ctx.reply(f"Welcome {event.member.display_name}")


class Votes(Feature):
    """A minimal poll: ``/vote`` posts buttons, a press is answered with a toast."""

    name = "test-votes"

    @command(CommandSpec("vote", "Start a test vote"))
    async def vote(self, invocation: Invocation, ctx: Context) -> None:
        ctx.reply(
            "Lunch?",
            buttons=(
                (Button("Pizza", "vote:1:0"), Button("Sushi", "vote:1:1", ButtonStyle.PRIMARY)),
            ),
            key="vote:1",
        )

    @command(CommandSpec("whisper", "Get a private hello"))
    async def whisper(self, invocation: Invocation, ctx: Context) -> None:
        actor = ctx.event.actor
        assert actor is not None
        ctx.emit(
            SendDirect(
                bot=ctx.bot.name,
                user_id=actor.user_id,
                display_name=actor.display_name,
                text=as_text("Psst, hello"),
                fallback_channel=ctx.event.channel,
            )
        )

    @on(ButtonPressed)
    async def pressed(self, event: ButtonPressed, ctx: Context) -> None:
        if event.data.startswith("vote:"):
            ctx.answer(f"Vote recorded ({event.data})")


def _config(fake: FakeDiscord, tmp_path: Path) -> Config:
    data: dict[str, Any] = {
        "storage": {"url": f"sqlite+aiosqlite:///{tmp_path / 'town.db'}"},
        "bots": [
            {
                "name": BOT,
                "platform": "discord",
                "token": "${DISCORD_BOT_TOKEN}",
                "api_url": fake.base_url,
                "gateway_url": fake.gateway_url,
                "guild_ready_timeout": 0.2,
            }
        ],
    }
    return parse_config(data, {"DISCORD_BOT_TOKEN": fake.token}, "test.toml")


async def _start(config: Config) -> Runtime:
    runtime = Runtime(config, extra_features=[GreetOnce(), Votes()])
    await runtime.start()
    return runtime


async def _ephemeral_answer(fake: FakeDiscord, interaction_token: str) -> dict[str, Any]:
    requests = await fake.wait_request(
        "PATCH", rf"/webhooks/\d+/{interaction_token}/messages/@original"
    )
    return requests[0].response  # type: ignore[no-any-return]


async def test_runtime_end_to_end(fake: FakeDiscord, world: World, tmp_path: Path) -> None:
    guild = world.guild
    config = _config(fake, tmp_path)
    runtime = await _start(config)
    try:
        await fake.wait_request("PUT", rf"/applications/\d+/guilds/{guild.id}/commands")
        registered = {c["name"] for c in fake.commands[guild.id]}
        assert {"help", "settings", "vote"} <= registered

        # /help as a slash command: answered privately, listing only what members may use.
        interaction = await fake.slash(guild, "general", world.alice_id, "help")
        answer = await _ephemeral_answer(fake, interaction.payload["token"])
        assert interaction.acked_type == 5 and interaction.defer_flags & 64
        assert answer["flags"] & 64
        assert "/help" in answer["content"] and "/vote" in answer["content"]
        assert "/settings" not in answer["content"]
        interaction = await fake.slash(guild, "general", world.mod_id, "help")
        answer = await _ephemeral_answer(fake, interaction.payload["token"])
        assert "/settings" in answer["content"], "Manage Messages makes a manager"

        # A member with a hostile display name joins: greeted, nobody pinged, no markdown.
        await fake.member_joins(guild, "eve", nick=HOSTILE_NAME)
        system_channel = str(guild.system_channel_id)
        greeting = await fake.wait_for(
            lambda: [m for m in fake.messages_in(system_channel) if "Welcome" in m["content"]]
        )
        content = greeting[0]["content"]
        assert content.startswith("Welcome @\u200beveryone")
        assert "\\*Eve\\*" in content and "@\u200bhere" in content
        assert greeting[0]["pings"] == {"everyone": False, "users": [], "roles": []}

        # A button press: the poll message is public, the toast only for the presser.
        interaction = await fake.slash(guild, "general", world.alice_id, "vote")
        polls = await fake.wait_for(
            lambda: [m for m in fake.messages_in(world.general_id) if m["components"]]
        )
        poll = polls[0]
        await fake.wait_request(
            "DELETE", rf"/webhooks/\d+/{interaction.payload['token']}/messages/@original"
        )
        await _press_and_expect_toast(fake, world, poll, "vote:1:1")

        # A direct message to a member with closed DMs falls back to a mention.
        fake.dms_closed.add(world.alice_id)
        await fake.slash(guild, "general", world.alice_id, "whisper")
        fallback = await fake.wait_for(
            lambda: [m for m in fake.messages_in(world.general_id) if "Psst" in m["content"]]
        )
        assert fallback[0]["content"] == f"<@{world.alice_id}> Psst, hello"
        assert fallback[0]["pings"]["users"] == [str(world.alice_id)]
    finally:
        await runtime.stop()

    # A restart: the buttons of the old message keep working.
    runtime = await _start(config)
    try:
        await _press_and_expect_toast(fake, world, poll, "vote:1:0")
    finally:
        await runtime.stop()


async def _press_and_expect_toast(
    fake: FakeDiscord, world: World, message: dict[str, Any], data: str
) -> None:
    press = await fake.press(world.guild, message, world.alice_id, data)
    (toast,) = await fake.wait_request("POST", rf"/webhooks/\d+/{press.payload['token']}")
    assert press.acked_type == 6
    assert toast.json["content"] == f"Vote recorded ({data})"
    assert toast.json["flags"] & 64


def _write_config(fake: FakeDiscord, tmp_path: Path) -> Path:
    config = tmp_path / "bots.toml"
    config.write_text(
        f"""
[storage]
url = "sqlite+aiosqlite:///{tmp_path / "town.db"}"

[[bots]]
name = "{BOT}"
platform = "discord"
token = "${{DISCORD_BOT_TOKEN}}"
api_url = "{fake.base_url}"
gateway_url = "{fake.gateway_url}"
guild_ready_timeout = 0.2
""",
        encoding="utf-8",
    )
    return config


async def _townsquare(fake: FakeDiscord, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bots.cli",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "DISCORD_BOT_TOKEN": fake.token},
        cwd=REPOSITORY,
    )


async def test_townsquare_run_serves_slash_commands_until_sigint(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    process = await _townsquare(fake, "run", str(_write_config(fake, tmp_path)))
    try:
        await fake.wait_request(
            "PUT", rf"/applications/\d+/guilds/{world.guild.id}/commands", timeout=30
        )
        interaction = await fake.slash(world.guild, "general", world.alice_id, "help")
        answer = await _ephemeral_answer(fake, interaction.payload["token"])
        assert "/help" in answer["content"] and answer["flags"] & 64
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        output, _ = await asyncio.wait_for(process.communicate(), 30)
    log = output.decode()
    assert process.returncode == 0, log
    assert "bot discord-main (discord) is running" in log
    assert fake.token not in log, "the bot token must never be logged"
    assert "Traceback" not in log, log


async def test_townsquare_run_explains_missing_privileged_intents(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    fake.application_flags = 0  # both toggles off in the developer portal
    process = await _townsquare(fake, "run", str(_write_config(fake, tmp_path)))
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    log = output.decode()
    assert process.returncode == 1, log
    assert "Server Members Intent and Message Content Intent" in log, log
    assert f"discord.com/developers/applications/{fake.application_id}/bot" in log
    assert "Traceback" not in log, log


async def test_townsquare_discord_sync(fake: FakeDiscord, world: World, tmp_path: Path) -> None:
    process = await _townsquare(fake, "discord", "sync", str(_write_config(fake, tmp_path)))
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    log = output.decode()
    assert process.returncode == 0, log
    assert f"{BOT}: " in log and "commands synced" in log
    assert {"help", "settings"} <= {c["name"] for c in fake.commands[world.guild.id]}
