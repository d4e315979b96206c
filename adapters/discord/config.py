"""``platform = "discord"`` (discord.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, AnyUrl, SecretStr

from adapters.common_config import BaseBotConfig


class DiscordBotConfig(BaseBotConfig):
    platform: Literal["discord"]
    token: SecretStr
    api_url: AnyHttpUrl | None = None
    """REST base override (a proxy, or the test fake)."""
    gateway_url: AnyUrl | None = None
    """Gateway websocket override."""
    message_content: bool = True
    """Ask for the privileged MESSAGE_CONTENT intent (FAQ auto-answers need it)."""
    shards: int | None = None
    shard_ids: list[int] | None = None
    guild_ready_timeout: float = 2.0
