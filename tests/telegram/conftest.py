from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.telegram.server import FakeBotApi


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
