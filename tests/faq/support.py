"""Helpers for the FAQ tests: text commands as a text platform sends them, a runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bots.config import Config, parse_config
from bots.runtime import Runtime
from core.actions import AnswerButton, SendMessage
from core.capabilities import Capability
from core.commands import parse_command_text, split_arguments
from core.events import ButtonPressed, CommandIssued, MessagePosted
from core.refs import Actor, MessageRef
from tests.support import ALL_CAPABILITIES, CHANNEL, MemoryAdapter, envelope, manager, member

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


def typed(text: str, who: Actor = BOB) -> CommandIssued:
    """``/faq add "Q" "A"`` as a text platform delivers it (argv and the raw arg text)."""
    parsed = parse_command_text(text)
    assert parsed is not None, text
    name, arg_text = parsed
    env = envelope(who)
    return CommandIssued(
        **env,
        name=name,
        argv=split_arguments(arg_text),
        arg_text=arg_text,
        message=MessageRef(CHANNEL, env["event_id"]),
    )


def said(text: str, who: Actor = BOB) -> MessagePosted:
    env = envelope(who)
    return MessagePosted(**env, message=MessageRef(CHANNEL, env["event_id"]), text=text)


def press(data: str, who: Actor = BOB) -> ButtonPressed:
    env = envelope(who)
    return ButtonPressed(**env, data=data, interaction_id=f"i-{env['event_id']}")


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
