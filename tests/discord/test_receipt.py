"""Acknowledge only what is stored: an interaction is deferred once the sink returned,
and a stop hands everything already received to the sink before it returns."""

from __future__ import annotations

import asyncio

from tests.discord.conftest import COMMANDS, World, bot_config
from townsquare.adapters.discord.receipt import NOT_STORED_NOTICE
from townsquare.adapters.discord.transport import DiscordAdapter
from townsquare.core.events import CommandIssued, Event, MessagePosted
from townsquare.core.ports import AdapterDeps


class Gate:
    """A sink that holds every event until released (a slow or stuck database)."""

    def __init__(self, *, fail: bool = False) -> None:
        self.entered: list[Event] = []
        self.stored: list[Event] = []
        self.open = asyncio.Event()
        self.arrived = asyncio.Event()
        self.fail = fail

    async def __call__(self, event: Event) -> None:
        self.entered.append(event)
        self.arrived.set()
        await self.open.wait()
        if self.fail:
            raise RuntimeError("could not store")
        self.stored.append(event)


async def _started(world: World, sink: Gate) -> DiscordAdapter:
    adapter = DiscordAdapter(bot_config(world.fake), AdapterDeps(commands=COMMANDS))
    await adapter.start(sink)
    await world.fake.wait_request("PUT", rf"/applications/\d+/guilds/{world.guild.id}/commands")
    return adapter


async def test_a_command_is_deferred_only_once_stored(world: World) -> None:
    fake, gate = world.fake, Gate()
    adapter = await _started(world, gate)
    try:
        interaction = await fake.slash(world.guild, "general", world.alice_id, "help")
        await asyncio.wait_for(gate.arrived.wait(), 5)
        assert interaction.acked_type is None, "deferred before it was stored"
        gate.open.set()
        await fake.wait_for(lambda: interaction.acked_type is not None)
        assert interaction.acked_type == 5 and interaction.defer_flags & 64
        assert [type(e) for e in gate.stored] == [CommandIssued]
    finally:
        await adapter.close()


async def test_storing_slower_than_discord_allows_defers_then_tells_the_member(
    world: World,
) -> None:
    """The sink takes longer than the acknowledgement deadline and then fails: the
    interaction was deferred in time (Discord would call it failed otherwise), and the
    member is told it did not go through."""
    fake, gate = world.fake, Gate(fail=True)
    adapter = await _started(world, gate)
    try:
        interaction = await fake.slash(world.guild, "general", world.alice_id, "help")
        await fake.wait_for(lambda: interaction.acked_type is not None, timeout=5)
        # The fake refuses a callback after Discord's 3 s: this one came in time.
        assert interaction.acked_type == 5, "deferred at the deadline, not stored yet"
        gate.open.set()
        token = interaction.payload["token"]
        (told,) = await fake.wait_request("PATCH", rf"/webhooks/\d+/{token}/messages/@original")
        assert told.json["content"] == NOT_STORED_NOTICE and told.json["flags"] & 64
    finally:
        await adapter.close()


async def test_stop_hands_over_what_was_received_before_returning(world: World) -> None:
    fake, gate = world.fake, Gate()
    adapter = await _started(world, gate)
    try:
        await fake.post(world.guild, "general", world.alice_id, "said just before the stop")
        await asyncio.wait_for(gate.arrived.wait(), 5)
        stopping = asyncio.create_task(adapter.stop())
        await fake.wait_for(lambda: not fake.sessions)  # the gateway is closed first
        assert not stopping.done(), "stop returned while an event was still on its way"
        gate.open.set()
        await stopping
        assert [e.text for e in gate.stored if isinstance(e, MessagePosted)] == [
            "said just before the stop"
        ]
    finally:
        await adapter.close()
