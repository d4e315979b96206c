"""End to end: the runtime (pipeline, SQLite outbox, delivery worker) with the real
discord.py client against the fake Discord, and ``townsquare run`` as a subprocess.

Both add the features of :mod:`tests.features` (a greeter, a button vote, a
private hello) to the built-in ``/help`` and ``/settings``."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from tests.conformance.scenarios import HOSTILE_NAME
from tests.discord.conftest import World
from tests.fakes.discord import FakeDiscord
from tests.features import e2e_features
from townsquare.bots.config import Config, parse_config
from townsquare.bots.runtime import Runtime

BOT = "discord-main"
REPOSITORY = Path(__file__).resolve().parents[2]


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
    runtime = Runtime(config, extra_features=e2e_features())
    await runtime.start()
    return runtime


async def _ephemeral_answer(fake: FakeDiscord, interaction_token: str) -> dict[str, Any]:
    requests = await fake.wait_request(
        "PATCH", rf"/webhooks/\d+/{interaction_token}/messages/@original"
    )
    return requests[0].response  # type: ignore[no-any-return]


async def _members_use_the_bot(fake: FakeDiscord, world: World) -> dict[str, Any]:
    """/help (member and manager), a hostile join, a button vote, a refused DM.

    Returns the vote message, whose buttons are pressed again after a restart."""
    guild = world.guild
    await fake.wait_request("PUT", rf"/applications/\d+/guilds/{guild.id}/commands", timeout=90)
    registered = {c["name"] for c in fake.commands[guild.id]}
    assert {"help", "settings", "lunch", "poll", "vote", "whisper"} <= registered

    # /help as a slash command: answered privately, listing only what members may use.
    interaction = await fake.slash(guild, "general", world.alice_id, "help")
    answer = await _ephemeral_answer(fake, interaction.payload["token"])
    assert interaction.acked_type == 5 and interaction.defer_flags & 64
    assert answer["flags"] & 64
    assert "/help" in answer["content"] and "/lunch" in answer["content"]
    assert "/settings" not in answer["content"]
    interaction = await fake.slash(guild, "general", world.mod_id, "help")
    answer = await _ephemeral_answer(fake, interaction.payload["token"])
    assert "/settings" in answer["content"], "Manage Messages makes a manager"

    # A member with a hostile display name joins: greeted, nobody pinged, no markdown.
    await fake.member_joins(guild, "eve", nick=HOSTILE_NAME)
    system_channel = str(guild.system_channel_id)
    greeting = await fake.wait_for(
        lambda: [  # the test greeter's text (the built-in welcome is tested in tests/onboarding)
            m for m in fake.messages_in(system_channel) if m["content"].startswith("Welcome @")
        ]
    )
    content = greeting[0]["content"]
    assert content.startswith("Welcome @\u200beveryone")
    assert "\\*Eve\\*" in content and "@\u200bhere" in content
    assert greeting[0]["pings"] == {"everyone": False, "users": [], "roles": []}

    # A button press: the vote message is public, the toast only for the presser.
    interaction = await fake.slash(guild, "general", world.alice_id, "lunch")
    polls = await fake.wait_for(
        lambda: [m for m in fake.messages_in(world.general_id) if m["components"]]
    )
    await fake.wait_request(
        "DELETE", rf"/webhooks/\d+/{interaction.payload['token']}/messages/@original"
    )
    await _press_and_expect_toast(fake, world, polls[0], "vote:1:1")

    # A direct message to a member with closed DMs falls back to a mention.
    fake.dms_closed.add(world.alice_id)
    await fake.slash(guild, "general", world.alice_id, "whisper")
    fallback = await fake.wait_for(
        lambda: [m for m in fake.messages_in(world.general_id) if "Psst" in m["content"]]
    )
    assert fallback[0]["content"] == f"<@{world.alice_id}> Psst, hello"
    assert fallback[0]["pings"]["users"] == [str(world.alice_id)]
    return polls[0]  # type: ignore[no-any-return]


async def test_runtime_end_to_end(fake: FakeDiscord, world: World, tmp_path: Path) -> None:
    config = _config(fake, tmp_path)
    runtime = await _start(config)
    try:
        poll = await _members_use_the_bot(fake, world)
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


async def _townsquare(
    fake: FakeDiscord, *args: str, module: str = "townsquare.bots.cli"
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "DISCORD_BOT_TOKEN": fake.token},
        cwd=REPOSITORY,
    )


async def _interrupt(process: asyncio.subprocess.Process) -> str:
    """SIGINT, as Ctrl+C would send; the process must drain and exit 0 by itself."""
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    return output.decode()


async def test_townsquare_run_end_to_end(fake: FakeDiscord, world: World, tmp_path: Path) -> None:
    config = str(_write_config(fake, tmp_path))
    run = ("run", config)
    process = await _townsquare(fake, *run, module="tests.discord.run_with_test_features")
    try:
        poll = await _members_use_the_bot(fake, world)
    finally:
        log = await _interrupt(process)
    assert process.returncode == 0, log
    assert "bot discord-main (discord) is running" in log
    assert fake.token not in log, "the bot token must never be logged"
    assert "Traceback" not in log, log

    # Restarted: the old message's buttons still work, and plain ``townsquare run`` works.
    process = await _townsquare(fake, *run, module="tests.discord.run_with_test_features")
    try:
        await fake.wait_ready(sessions=1, timeout=90)
        await _press_and_expect_toast(fake, world, poll, "vote:1:0")
    finally:
        log = await _interrupt(process)
    assert process.returncode == 0, log


async def test_plain_townsquare_run_answers_help(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    process = await _townsquare(fake, "run", str(_write_config(fake, tmp_path)))
    try:
        await fake.wait_request(
            "PUT", rf"/applications/\d+/guilds/{world.guild.id}/commands", timeout=90
        )
        interaction = await fake.slash(world.guild, "general", world.alice_id, "help")
        answer = await _ephemeral_answer(fake, interaction.payload["token"])
        assert "/help" in answer["content"] and answer["flags"] & 64
    finally:
        log = await _interrupt(process)
    assert process.returncode == 0, log
    assert "Traceback" not in log, log


async def test_townsquare_run_explains_missing_privileged_intents(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    """The bot cannot start: the reason is one line naming the toggles, and the bot is
    retried (the process keeps running the others) until it is stopped."""
    fake.application_flags = 0  # both toggles off in the developer portal
    process = await _townsquare(fake, "run", str(_write_config(fake, tmp_path)))
    assert process.stdout is not None
    first = ""
    while "did not start" not in first:
        first = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        assert first, "the process ended without saying why the bot did not start"
    log = first + await _interrupt(process)
    assert process.returncode == 0, log
    assert "Server Members Intent and Message Content Intent" in first, log
    assert f"discord.com/developers/applications/{fake.application_id}/bot" in first
    assert "Traceback" not in log, log


async def test_townsquare_discord_sync(fake: FakeDiscord, world: World, tmp_path: Path) -> None:
    process = await _townsquare(fake, "discord", "sync", str(_write_config(fake, tmp_path)))
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    log = output.decode()
    assert process.returncode == 0, log
    assert f"{BOT}: " in log and "commands synced" in log
    assert {"help", "settings"} <= {c["name"] for c in fake.commands[world.guild.id]}
