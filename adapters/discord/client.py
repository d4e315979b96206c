"""Setting up discord.py for a bot: URL overrides, intents, why Discord refused a start,
and slash command registration (also for ``townsquare discord sync``).

``api_url``/``gateway_url`` set ``discord.http.Route.BASE`` and
``DiscordWebSocket.DEFAULT_GATEWAY``, which are class attributes: one value per process.
Bots of one process with different overrides are refused at start with a message.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
import discord
import yarl
from discord.http import Route

from townsquare.adapters.common_config import secret_value
from townsquare.adapters.discord import slash
from townsquare.adapters.discord.config import DiscordBotConfig
from townsquare.core.ports import AdapterDeps

log = logging.getLogger(__name__)

DEFAULT_API_BASE = Route.BASE
DEFAULT_GATEWAY = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
API_VERSION_PATH = re.compile(r"/api/v\d+$")


class DiscordStartError(RuntimeError):
    """The bot cannot start; the message says what to change (no traceback needed)."""


# -- process-wide URL overrides -------------------------------------------------------------


@dataclass
class _Overrides:
    """Who set ``Route.BASE``/``DEFAULT_GATEWAY`` in this process, and to what (a bot
    name may hold them more than once: two adapters of one bot, each with some shards)."""

    api_base: str = DEFAULT_API_BASE
    gateway: yarl.URL = DEFAULT_GATEWAY
    holders: Counter[str] = field(default_factory=Counter)

    def claim(self, holder: str, api_base: str, gateway: yarl.URL) -> None:
        others = {name for name in self.holders if name != holder}
        if (others or self.holders[holder]) and (
            api_base != self.api_base or gateway != self.gateway
        ):
            raise DiscordStartError(
                f"bot {holder}: discord.py keeps one api_url and gateway_url per process and "
                f"bot(s) {', '.join(sorted(others or {holder}))} already use {self.api_base} / "
                f"{self.gateway}; give every Discord bot in this process the same overrides "
                "or run this one in a separate process"
            )
        self.api_base, self.gateway = api_base, gateway
        Route.BASE = api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
        self.holders[holder] += 1

    def release(self, holder: str) -> None:
        self.holders[holder] -= 1
        if self.holders[holder] <= 0:
            del self.holders[holder]
        if not self.holders:
            self.api_base, self.gateway = DEFAULT_API_BASE, DEFAULT_GATEWAY
            Route.BASE = DEFAULT_API_BASE
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = DEFAULT_GATEWAY


_OVERRIDES = _Overrides()


def api_base(config: DiscordBotConfig) -> str:
    """The REST base for ``config``: ``http://host:port`` gets ``/api/v10`` appended."""
    if config.api_url is None:
        return DEFAULT_API_BASE
    base = str(config.api_url).rstrip("/")
    return base if API_VERSION_PATH.search(base) else base + "/api/v10"


def gateway_url(config: DiscordBotConfig) -> yarl.URL:
    return yarl.URL(str(config.gateway_url)) if config.gateway_url else DEFAULT_GATEWAY


def intents_for(config: DiscordBotConfig) -> discord.Intents:
    """Guilds, members (privileged), messages and reactions in guilds and DMs, guild
    scheduled events (who is interested in our events' mirrors), and message content
    (privileged) unless the config turns it off."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.guild_reactions = True
    intents.guild_scheduled_events = True  # who marks our events' mirrors "Interested"
    intents.dm_reactions = True
    intents.message_content = config.message_content
    return intents


def privileged_intents_message(
    config: DiscordBotConfig, flags: discord.ApplicationFlags | None, application_id: int | None
) -> str:
    """Close code 4014 explained: which developer-portal toggle is off, and where it is."""
    intents = intents_for(config)
    wanted = []
    if intents.members:
        wanted.append(("Server Members Intent", "gateway_guild_members"))
    if intents.message_content:
        wanted.append(("Message Content Intent", "gateway_message_content"))
    missing = [
        label
        for label, flag in wanted
        if flags is None or not (getattr(flags, flag) or getattr(flags, flag + "_limited"))
    ] or [label for label, _flag in wanted]
    where = (
        f"https://discord.com/developers/applications/{application_id}/bot"
        if application_id
        else "https://discord.com/developers/applications (your application -> Bot)"
    )
    hint = ""
    if "Message Content Intent" in missing:
        hint = (
            f", or set message_content = false for bot {config.name} (slash commands, buttons "
            "and reports keep working; FAQ auto-answers stop)"
        )
    return (
        f"Discord refused the gateway connection of bot {config.name} (close code 4014, "
        f"privileged intents not enabled): turn on {' and '.join(missing)} under "
        f"'Privileged Gateway Intents' at {where}{hint}"
    )


def close_code_message(config: DiscordBotConfig, code: int | None) -> str:
    reasons = {
        4004: "the token was rejected (reset it under Bot -> Token in the developer portal "
        "and update the config)",
        4010: "invalid shard (check shards and shard_ids)",
        4011: "the bot is in too many guilds for one connection: set shards = N "
        "(Discord's recommended count is in GET /gateway/bot)",
        4012: "invalid gateway API version",
        4013: "invalid intents",
    }
    reason = reasons.get(code or 0, "the gateway closed the connection")
    return f"Discord gateway refused bot {config.name} (close code {code}): {reason}"


# -- command registration ----------------------------------------------------------------------


async def sync_guild_commands(
    client: discord.Client, commands: slash.SlashCommands, guild_ids: list[int], *, bot: str
) -> int:
    """Bulk-overwrite the commands in each guild; returns how many guilds succeeded.

    Per-guild registration is instant (global commands take up to an hour to appear) and
    splits naturally across shards: each process registers in the guilds it serves."""
    application_id = client.application_id
    if application_id is None:
        return 0
    synced = 0
    for guild_id in guild_ids:
        try:
            await client.http.bulk_upsert_guild_commands(application_id, guild_id, commands.payload)
        except discord.Forbidden:
            log.warning(
                "bot %s: no permission to register slash commands in guild %s; re-invite the "
                "bot with the applications.commands scope",
                bot,
                guild_id,
            )
        except (discord.HTTPException, aiohttp.ClientError, OSError) as error:
            log.warning(
                "bot %s: slash commands not registered in guild %s: %s", bot, guild_id, error
            )
        else:
            synced += 1
    log.info("bot %s: slash commands registered in %d of %d guild(s)", bot, synced, len(guild_ids))
    return synced


async def sync_commands(config: DiscordBotConfig, deps: AdapterDeps) -> int:
    """``townsquare discord sync``: register the slash commands in every guild of the bot
    over REST only (no gateway). Returns the number of commands registered per guild, 0
    when the bot is in no guild."""
    commands = slash.build(deps.commands)
    holder = f"{config.name} (sync)"
    _OVERRIDES.claim(holder, api_base(config), gateway_url(config))
    client = discord.Client(intents=discord.Intents.none())
    try:
        try:
            await client.login(secret_value(config.token))
        except discord.LoginFailure:
            raise DiscordStartError(
                f"Discord rejected the token of bot {config.name} (401 Unauthorized)"
            ) from None
        guild_ids = [guild.id async for guild in client.fetch_guilds(limit=None)]
        synced = await sync_guild_commands(client, commands, guild_ids, bot=config.name)
        return len(commands.payload) if synced else 0
    finally:
        await client.close()
        _OVERRIDES.release(holder)
