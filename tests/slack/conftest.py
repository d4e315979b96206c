from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conformance import scenarios as s
from tests.fakes.slack.server import FakeSlack, user
from townsquare.adapters.slack.config import SlackBotConfig

SECRET = "signing-secret-for-tests"
ALICE, EVE, OLGA = "U0ALICE", "U0EVE", "U0OLGA"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    fake.users.update(
        {
            ALICE: user(ALICE, s.MEMBER_NAME),
            EVE: user(EVE, s.HOSTILE_NAME),
            OLGA: user(OLGA, "Olga", owner=True),
        }
    )
    yield fake
    await fake.close()


@pytest.fixture
def port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def slack_config(**values: Any) -> SlackBotConfig:
    """A bot config as the TOML loader would build it (strings for secrets and URLs)."""
    return SlackBotConfig.model_validate({"name": "sl", "platform": "slack", **values})
