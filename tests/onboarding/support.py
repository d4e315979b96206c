"""A real runtime (pipeline, SQL store, outbox, scheduler) around a MemoryAdapter, with a
clock the test moves: joins, commands and presses go through the same pipeline as a
platform's events, and durable jobs fire when the test says time has passed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import migrate
from tests.support import (
    ALL_CAPABILITIES,
    MemoryAdapter,
    envelope,
    manager,
    member,
    pressed,
    typed,
)
from townsquare.bots.config import parse_config
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import (
    Action,
    AnswerButton,
    RemoveMember,
    RestrictMember,
    SendDirect,
    SendMessage,
    UnrestrictMember,
)
from townsquare.core.capabilities import Capability
from townsquare.core.events import MemberJoined, MemberLeft
from townsquare.core.refs import Actor, ChannelRef

TELEGRAM_LIKE = frozenset(ALL_CAPABILITIES - {Capability.EPHEMERAL, Capability.ROLES})
DISCORD_LIKE = frozenset(ALL_CAPABILITIES)
SLACK_LIKE = frozenset(
    ALL_CAPABILITIES - {Capability.RESTRICT, Capability.REMOVE, Capability.ROLES}
)
CONSOLE_LIKE = frozenset(ALL_CAPABILITIES - {Capability.BUTTONS, Capability.ROLES})
ALICE = manager("Alice")


@dataclass
class Clock:
    """Starts 30 days in the past so outbox rows stay due for the (real-time) worker
    however far a test moves it (up to a month)."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC) - timedelta(days=30))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Harness:
    runtime: Runtime
    adapter: MemoryAdapter
    clock: Clock

    async def submit(self, *events: Any) -> None:
        for event in events:
            await self.runtime.pipeline.submit(event)
        await self.settle()

    async def settle(self) -> None:
        assert await self.runtime.worker.drain(timeout=15)

    async def join(self, *names: str, bot: bool = False) -> None:
        await self.submit(*(joined(name, bot=bot) for name in names))

    async def typed(self, text: str, who: Actor = ALICE) -> None:
        await self.submit(typed(text, who))

    async def press(self, data: str, who: Actor) -> None:
        await self.submit(pressed(data, who))

    async def fire(self, seconds: float) -> int:
        """Let ``seconds`` pass and fire the jobs due by then."""
        self.clock.advance(seconds)
        fired = await self.runtime.scheduler.run_once()
        await self.settle()
        return fired

    def performed(self, kind: type[Action]) -> list[Any]:
        return [action for action in self.adapter.performed if isinstance(action, kind)]

    def messages(self) -> list[str]:
        return [action.text.plain() for action in self.performed(SendMessage)]

    def greetings(self) -> list[SendMessage]:
        return [
            action
            for action in self.performed(SendMessage)
            if action.key is not None and action.key.startswith("onb:")
        ]

    def toasts(self) -> list[str]:
        return [action.toast for action in self.performed(AnswerButton)]

    def last(self) -> str:
        return self.messages()[-1]

    def clear(self) -> None:
        self.adapter.performed.clear()


def joined(name: str, *, bot: bool = False, channel: ChannelRef | None = None) -> MemberJoined:
    who = Actor(user_id=name.lower(), display_name=name, is_bot=bot)
    env = envelope(who)
    if channel is not None:
        env["channel"] = channel
    return MemberJoined(**env, member=who)


def left(name: str, *, removed: bool = False) -> MemberLeft:
    who = member(name)
    return MemberLeft(**envelope(who), member=who, removed=removed)


@asynccontextmanager
async def harness(
    url: str,
    capabilities: frozenset[Capability] = TELEGRAM_LIKE,
    *,
    defaults: dict[str, Any] | None = None,
    migrated: bool = False,
) -> AsyncIterator[Harness]:
    """A started runtime whose scheduler only fires when the test calls :meth:`fire`."""
    if not migrated:
        await migrate(url)
    config = parse_config(
        {
            "storage": {"url": url},
            "defaults": defaults or {},
            "bots": [{"name": "mem", "platform": "console"}],
        },
        {},
        "test",
    )
    adapter = MemoryAdapter(capabilities=capabilities)
    runtime = Runtime(config, adapters={"mem": adapter})
    clock = Clock()
    await runtime.start()
    await runtime.scheduler.stop()
    runtime.pipeline.clock = clock
    runtime.scheduler.clock = clock
    try:
        yield Harness(runtime, adapter, clock)
    finally:
        await runtime.stop()


__all__ = [
    "ALICE",
    "CONSOLE_LIKE",
    "DISCORD_LIKE",
    "SLACK_LIKE",
    "TELEGRAM_LIKE",
    "Harness",
    "RemoveMember",
    "RestrictMember",
    "SendDirect",
    "UnrestrictMember",
    "harness",
    "joined",
    "left",
    "pressed",
    "typed",
]
