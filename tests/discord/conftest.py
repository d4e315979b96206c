"""Fixtures: a fake Discord on 127.0.0.1, a populated guild and a started adapter.

Every test using ``fake`` also proves, at teardown, that no message the bot sent or edited
would have pinged ``@everyone``, ``@here`` or a role, and that the client made no request
the fake does not know (a wrong route would otherwise pass silently).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conformance.scenarios import MEMBER_NAME
from tests.fakes.discord import FakeDiscord, Guild
from townsquare.adapters.discord.config import DiscordBotConfig
from townsquare.adapters.discord.transport import DiscordAdapter
from townsquare.core.commands import CommandSpec, Option, Param
from townsquare.core.events import Event
from townsquare.core.ports import AdapterDeps
from townsquare.core.roles import Role

BOT = "discord-test"

POLL = CommandSpec(
    "poll",
    "Start a poll",
    params=(Param("question"), Param("options", variadic=True)),
    options=(Option("multi"), Option("anonymous"), Option("closes", takes_value=True)),
    subcommands=(
        CommandSpec("close", "Close a poll", role=Role.MANAGER, params=(Param("id"),)),
        CommandSpec("results", "Show results", role=Role.MANAGER, params=(Param("id"),)),
    ),
)
REPORT = CommandSpec(
    "report",
    "Report a message to the managers",
    params=(Param("reason", required=False, rest=True),),
    needs_reply=True,
)
HELP = CommandSpec("help", "List the commands you can use")
COMMANDS = (HELP, POLL, REPORT)


class Recorder:
    """An EventSink that records events and lets tests wait for them."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._changed = asyncio.Condition()

    async def __call__(self, event: Event) -> None:
        async with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    async def wait_for(
        self, predicate: Callable[[Event], bool], *, count: int = 1, timeout: float = 5.0
    ) -> list[Event]:
        async def wait() -> list[Event]:
            async with self._changed:
                while len(found := [e for e in self.events if predicate(e)]) < count:
                    await self._changed.wait()
                return found

        return await asyncio.wait_for(wait(), timeout)

    def clear(self) -> None:
        self.events.clear()


def bot_config(fake: FakeDiscord, **overrides: Any) -> DiscordBotConfig:
    values: dict[str, Any] = {
        "name": BOT,
        "platform": "discord",
        "token": fake.token,
        "api_url": fake.base_url,
        "gateway_url": fake.gateway_url,
        "guild_ready_timeout": 0.2,
    }
    values.update(overrides)
    return DiscordBotConfig(**values)


@dataclass
class World:
    fake: FakeDiscord
    guild: Guild
    alice: dict[str, Any]
    mod: dict[str, Any]

    @property
    def alice_id(self) -> int:
        return int(self.alice["user"]["id"])

    @property
    def mod_id(self) -> int:
        return int(self.mod["user"]["id"])

    @property
    def general_id(self) -> int:
        return int(self.guild.channel("general")["id"])


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server
        assert not server.everyone_pings(), "a bot message would have pinged everyone or a role"
        assert not server.unexpected, f"requests the fake does not know: {server.unexpected}"


@pytest.fixture
def world(fake: FakeDiscord) -> World:
    guild = fake.add_guild("Town Square")
    alice = fake.add_member(guild, "alice", global_name=MEMBER_NAME)
    mod = fake.add_member(guild, "mo", global_name="Mo", moderator=True)
    return World(fake, guild, alice, mod)


@dataclass
class Running:
    adapter: DiscordAdapter
    events: Recorder


async def start_adapter(
    fake: FakeDiscord, commands: tuple[CommandSpec, ...] = COMMANDS, **overrides: Any
) -> Running:
    adapter = DiscordAdapter(bot_config(fake, **overrides), AdapterDeps(commands=commands))
    recorder = Recorder()
    await adapter.start(recorder)
    return Running(adapter, recorder)


@pytest.fixture
async def running(fake: FakeDiscord, world: World) -> AsyncIterator[Running]:
    """A started adapter whose slash commands are registered in the guild."""
    started = await start_adapter(fake)
    await fake.wait_request("PUT", rf"/applications/\d+/guilds/{world.guild.id}/commands")
    try:
        yield started
    finally:
        await started.adapter.close()
