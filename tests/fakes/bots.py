"""Running whole bots against the fakes: config entries pointing each platform's real SDK
at its fake, a started runtime with those bots (:func:`running`; :func:`discord_runtime`
also waits until the Discord bot is ready in a guild), and the few steps every end-to-end
test repeats (posting a signed request or an interaction to a Slack bot, reading a Slack
message's button values, waiting for a Discord slash command's private answer or an
interaction's follow-up, finding a Discord bot's posts).

Feature tests that go through every adapter share these instead of copying them::

    async with running(sqlite_url, telegram_bot(api, backend)) as runtime:
        await api.push(p.command("/help"))
        ...
    async with running(sqlite_url, slack_bot(slack, port)) as runtime:
        ...
    async with discord_runtime(fake, world.guild, sqlite_url) as runtime:
        ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from tests.fakes.discord import FakeDiscord, Guild
from tests.fakes.discord.server import FakeInteraction
from tests.fakes.slack import server as slack_fake
from tests.fakes.slack.server import FakeSlack
from tests.fakes.telegram.server import FakeBotApi
from townsquare.bots.config import Config, parse_config
from townsquare.bots.runtime import Runtime
from townsquare.core.features import Feature

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


def config(
    url: str,
    *bots: dict[str, Any],
    defaults: dict[str, Any] | None = None,
    **sections: dict[str, Any],
) -> Config:
    """The config of ``bots`` on the store at ``url``, with community ``defaults`` and any
    other top-level ``sections`` (``faq={...}``), as a TOML file would give it."""
    return parse_config(
        {"storage": {"url": url}, "defaults": defaults or {}, **sections, "bots": list(bots)},
        {},
        "test",
    )


@asynccontextmanager
async def running(
    url: str,
    *bots: dict[str, Any],
    defaults: dict[str, Any] | None = None,
    features: Sequence[Feature] = (),
) -> AsyncIterator[Runtime]:
    """A started runtime with ``bots`` (:func:`telegram_bot`, :func:`discord_bot`,
    :func:`slack_bot`), the built-in features and ``features``, on the store at ``url``;
    stopped when the block ends."""
    async with Runtime(config(url, *bots, defaults=defaults), extra_features=features) as runtime:
        yield runtime


@asynccontextmanager
async def discord_runtime(
    fake: FakeDiscord,
    guild: Guild,
    url: str,
    *,
    defaults: dict[str, Any] | None = None,
    features: Sequence[Feature] = (),
    **bot: Any,
) -> AsyncIterator[Runtime]:
    """A started runtime with one Discord bot on the fake (``bot``: more of its config),
    once it has registered its slash commands in ``guild``: it has seen the guild and
    answers what happens there."""
    async with running(
        url, discord_bot(fake, **bot), defaults=defaults, features=features
    ) as runtime:
        await discord_ready(fake, guild)
        yield runtime


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


async def slack_interaction(port: int, payload: dict[str, Any]) -> int:
    """Send an interaction payload (a button press, a modal submission, a shortcut) to the
    Slack bot listening on ``port``, as Slack sends it; the HTTP status."""
    return await slack_post(slack_events_url(port), slack_fake.interaction_body(payload))


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


async def discord_followup(fake: FakeDiscord, interaction: FakeInteraction) -> dict[str, Any]:
    """The one follow-up message sent for an interaction (a button press's toast, a modal
    submission's answer), once it is there."""
    token = interaction.payload["token"]
    (followup,) = await fake.wait_request("POST", rf"/webhooks/\d+/{token}", timeout=15)
    message: dict[str, Any] = followup.json
    return message


async def discord_ready(fake: FakeDiscord, guild: Guild) -> None:
    """Wait until the bot has registered its slash commands in ``guild``."""
    await fake.wait_request("PUT", rf"/applications/\d+/guilds/{guild.id}/commands", timeout=30)


async def discord_slash_answer(
    fake: FakeDiscord, guild: Guild, user_id: int, command: str, **values: str
) -> str:
    """Run a slash command in #general as ``user_id``; the private answer's content."""
    interaction = await fake.slash(guild, "general", user_id, command, **values)
    return await discord_private_answer(fake, interaction)


def discord_posts(fake: FakeDiscord, channel: int | str, starting: str) -> list[dict[str, Any]]:
    """The messages shown in a Discord channel whose content starts with ``starting``."""
    return [m for m in fake.messages_in(channel) if m["content"].startswith(starting)]
