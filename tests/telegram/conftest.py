"""Fixtures shared by the Telegram tests: the fake Bot API and both backends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from townsquare.adapters.telegram.config import TelegramBotConfig
from townsquare.bots.platforms import adapter_factory
from townsquare.core.commands import CommandSpec
from townsquare.core.events import Event
from townsquare.core.ports import Adapter, AdapterDeps
from townsquare.core.roles import Role

COMMANDS = (
    CommandSpec("help", "What I can do"),
    CommandSpec("settings", "Community settings", role=Role.MANAGER),
)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    fake = await FakeBotApi().start()
    yield fake
    await fake.close()


@pytest.fixture(params=["telegram", "telegram-ptb"])
def backend(request: pytest.FixtureRequest) -> str:
    """Both backends run the same tests: aiogram and python-telegram-bot."""
    platform: str = request.param
    return platform


def bot_config(api: FakeBotApi, platform: str, **extra: Any) -> TelegramBotConfig:
    return TelegramBotConfig(
        name="tg", platform=platform, token=api.token, api_url=api.url, poll_timeout=1, **extra
    )


class Collector:
    """A sink that records events and lets a test wait for them."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.changed = asyncio.Condition()

    async def __call__(self, event: Event) -> None:
        async with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    async def wait(self, count: int, timeout: float = 10) -> list[Event]:
        async with self.changed:
            await asyncio.wait_for(
                self.changed.wait_for(lambda: len(self.events) >= count), timeout
            )
        return self.events


@pytest.fixture
async def running(api: FakeBotApi, backend: str) -> AsyncIterator[tuple[Adapter, Collector]]:
    """A started adapter of ``backend`` polling the fake; the group's owner is Olga."""
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    adapter = adapter_factory(backend)(bot_config(api, backend), AdapterDeps(commands=COMMANDS))
    sink = Collector()
    await adapter.start(sink)
    yield adapter, sink
    await adapter.stop()
    await adapter.close()
