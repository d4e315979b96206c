"""Running whole bots against the fakes: config entries pointing each platform's real SDK
at its fake, and the few steps every end-to-end test repeats (posting a signed request to a
Slack bot, reading a Slack message's button values, waiting for a Discord slash command's
private answer).

Feature tests that go through every adapter share these instead of copying them.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from bots.config import Config, parse_config
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord.server import FakeInteraction
from tests.fakes.slack import server as slack_fake
from tests.fakes.slack.server import FakeSlack
from tests.fakes.telegram.server import FakeBotApi

SLACK_SECRET = "signing-secret-for-tests"
"""The signing secret of the Slack bots below (``tests.slack.conftest.SECRET``)."""
FORM = "application/x-www-form-urlencoded"


def telegram_bot(api: FakeBotApi, backend: str, name: str = "tg") -> dict[str, Any]:
    """A Telegram bot (``telegram`` or ``telegram-ptb``) long-polling the fake Bot API."""
    return {
        "name": name,
        "platform": backend,
        "token": api.token,
        "api_url": api.url,
        "poll_timeout": 1,
    }


def discord_bot(fake: FakeDiscord, name: str = "dc", **extra: Any) -> dict[str, Any]:
    """A Discord bot on the fake REST API and gateway."""
    return {
        "name": name,
        "platform": "discord",
        "token": fake.token,
        "api_url": fake.base_url,
        "gateway_url": fake.gateway_url,
        "guild_ready_timeout": 0.2,
        **extra,
    }


def slack_bot(slack: FakeSlack, port: int, name: str = "sl") -> dict[str, Any]:
    """A Slack bot on the HTTP Events API at ``127.0.0.1:port``, calling the fake Web API."""
    return {
        "name": name,
        "platform": "slack",
        "token": slack.token,
        "signing_secret": SLACK_SECRET,
        "listen": f"127.0.0.1:{port}",
        "api_url": slack.url,
    }


def config(url: str, *bots: dict[str, Any], defaults: dict[str, Any] | None = None) -> Config:
    return parse_config(
        {"storage": {"url": url}, "defaults": defaults or {}, "bots": list(bots)}, {}, "test"
    )


def slack_events_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/slack/events"


async def slack_post(url: str, body: bytes, content_type: str = FORM, **headers: str) -> int:
    """POST ``body`` to a Slack bot signed as Slack signs it; the HTTP status."""
    all_headers = {
        "Content-Type": content_type,
        **slack_fake.signed(SLACK_SECRET, body),
        **headers,
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=body, headers=all_headers) as response,
    ):
        return response.status


def slack_button_values(message: dict[str, Any]) -> list[str]:
    """The ``value`` of every button in a Slack message's actions blocks, in order."""
    return [
        element["value"]
        for block in message.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
    ]


async def discord_private_answer(fake: FakeDiscord, interaction: FakeInteraction) -> str:
    """The content of the deferred, private answer to a slash command, once it is there."""
    token = interaction.payload["token"]
    (answer,) = await fake.wait_request(
        "PATCH", rf"/webhooks/\d+/{token}/messages/@original", timeout=15
    )
    content: str = answer.json["content"]
    return content
