"""Helpers for the FAQ tests: a runtime around a memory adapter and a chat through it;
the events come from :mod:`tests.support` (``typed`` commands as a text platform sends
them, ``said`` messages, ``pressed`` buttons)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tests.support import ALL_CAPABILITIES, MemoryAdapter, manager, member, pressed, said, typed
from townsquare.bots.config import Config, parse_config
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import AnswerButton, SendMessage
from townsquare.core.capabilities import Capability
from townsquare.core.events import ButtonPressed, CommandIssued, MessagePosted

ALICE = manager("Alice")
BOB = member("Bob")

TELEGRAM = ALL_CAPABILITIES - {Capability.EPHEMERAL}
"""Buttons, restrict, remove, direct messages, no ephemeral messages."""
SLACK = ALL_CAPABILITIES - {Capability.RESTRICT, Capability.REMOVE}
DISCORD_NO_CONTENT = ALL_CAPABILITIES - {Capability.MESSAGE_CONTENT}
CONSOLE = ALL_CAPABILITIES - {Capability.BUTTONS, Capability.EPHEMERAL}


def config(url: str, faq: dict[str, Any] | None = None) -> Config:
    return parse_config(
        {
            "storage": {"url": url},
            "faq": faq or {},
            "bots": [{"name": "mem", "platform": "console"}],
        },
        {},
        "t",
    )


@asynccontextmanager
async def running(
    url: str,
    capabilities: frozenset[Capability] = ALL_CAPABILITIES,
    *,
    faq: dict[str, Any] | None = None,
) -> AsyncIterator[tuple[Runtime, MemoryAdapter]]:
    adapter = MemoryAdapter(capabilities=capabilities)
    runtime = Runtime(
        config(url, faq), adapters={"mem": adapter}, delivery_options={"edit_interval": 0}
    )
    await runtime.start()
    try:
        yield runtime, adapter
    finally:
        await runtime.stop()


class Chat:
    """Send events through the real pipeline and read what the bot said since last time."""

    def __init__(self, runtime: Runtime, adapter: MemoryAdapter) -> None:
        self.runtime = runtime
        self.adapter = adapter
        self._seen = 0

    async def send(self, *events: CommandIssued | MessagePosted | ButtonPressed) -> list[object]:
        for event in events:
            await self.runtime.pipeline.submit(event)
        assert await self.runtime.worker.drain(timeout=15)
        new = self.adapter.performed[self._seen :]
        self._seen = len(self.adapter.performed)
        return new

    async def texts(self, *events: CommandIssued | MessagePosted | ButtonPressed) -> list[str]:
        return [a.text.plain() for a in await self.send(*events) if hasattr(a, "text")]

    async def messages(self, *events: CommandIssued | MessagePosted) -> list[SendMessage]:
        return [a for a in await self.send(*events) if isinstance(a, SendMessage)]

    async def toasts(self, *events: ButtonPressed) -> list[str]:
        return [a.toast for a in await self.send(*events) if isinstance(a, AnswerButton)]


__all__ = [
    "ALICE",
    "BOB",
    "CONSOLE",
    "DISCORD_NO_CONTENT",
    "SLACK",
    "TELEGRAM",
    "Chat",
    "config",
    "pressed",
    "running",
    "said",
    "typed",
]
