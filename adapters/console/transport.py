"""A simulated community in the terminal: the embedded adapter for demos and tests.

It has no buttons (features fall back to typed commands, as they must on any platform
without them) and performs every other action by printing it.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import uuid4

from townsquare.adapters.console.config import ConsoleBotConfig
from townsquare.adapters.console.inbound import PLATFORM, ConsoleMapper
from townsquare.adapters.console.outbound import CAPABILITIES, LIMITS, describe
from townsquare.core.actions import Action, SendDirect, SendEphemeral, SendMessage
from townsquare.core.events import Event
from townsquare.core.ports import AdapterDeps, Delivered, EventSink
from townsquare.core.refs import ChannelRef, MessageRef


class ConsoleAdapter:
    platform = PLATFORM
    capabilities = CAPABILITIES
    limits = LIMITS

    def __init__(
        self, config: ConsoleBotConfig, output: Callable[[str], None] | None = None
    ) -> None:
        self.bot = config.name
        self.config = config
        self.output = output or print
        self.transcript: list[str] = []
        self.performed: list[Action] = []
        self.mapper = ConsoleMapper(
            config.name,
            config.community,
            frozenset(name.lower() for name in config.managers),
            session=uuid4().hex[:8],
        )
        self._sink: EventSink | None = None
        self._sent = 0

    async def start(self, sink: EventSink) -> None:
        self._sink = sink

    async def stop(self) -> None:
        self._sink = None

    async def close(self) -> None:
        pass

    def show(self, line: str) -> None:
        self.transcript.append(line)
        self.output(line)

    async def feed(self, event: Event) -> None:
        """Hand an event to the core and wait until it is committed."""
        if self._sink is None:
            raise RuntimeError("the console adapter is not started")
        await self._sink(event)

    async def perform(self, action: Action) -> Delivered:
        self.performed.append(action)
        for line in describe(action, self.bot):
            self.show(line)
        if isinstance(action, SendMessage | SendDirect | SendEphemeral):
            self._sent += 1
            channel = (
                action.channel
                if isinstance(action, SendMessage)
                else ChannelRef(f"dm:{action.user_id}", is_direct=True)
            )
            return Delivered((MessageRef(channel, f"bot-{self._sent}"),))
        return Delivered()


def create_adapter(config: ConsoleBotConfig, deps: AdapterDeps) -> ConsoleAdapter:
    return ConsoleAdapter(config)
