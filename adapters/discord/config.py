"""``platform = "discord"`` (discord.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, AnyUrl, Field, SecretStr, model_validator

from townsquare.adapters.common_config import BaseBotConfig


class DiscordBotConfig(BaseBotConfig):
    platform: Literal["discord"]
    token: SecretStr
    api_url: AnyHttpUrl | None = None
    """REST base override (a proxy, or the test fake). ``http://host:port`` means
    ``http://host:port/api/v10``; a URL already ending in ``/api/vN`` is used as is.
    discord.py keeps the REST base and the gateway URL per process, so every Discord bot of
    one process must use the same overrides (run differently proxied bots in separate
    processes)."""
    gateway_url: AnyUrl | None = None
    """Gateway websocket override (``ws://`` or ``wss://``)."""
    message_content: bool = True
    """Ask for the privileged MESSAGE_CONTENT intent (FAQ auto-answers need it; slash
    commands, buttons and the report menu work without it)."""
    shards: int | None = Field(default=None, ge=1)
    """Total shard count of the bot. Set it (with ``shard_ids``) to split a large bot over
    several processes; each process then runs an AutoShardedClient for its shards."""
    shard_ids: list[int] | None = None
    """The shards this process runs (default: all of ``shards``)."""
    guild_ready_timeout: float = Field(default=2.0, gt=0)
    """Seconds discord.py waits after the last startup GUILD_CREATE before it is ready."""
    sync_commands: bool = True
    """Register the slash commands in every guild on start and when the bot joins a guild
    (``townsquare discord sync CONFIG`` does it on demand)."""

    @model_validator(mode="after")
    def _shards_consistent(self) -> DiscordBotConfig:
        if self.shard_ids is not None:
            if self.shards is None:
                raise ValueError("shard_ids needs shards (the bot's total shard count)")
            if not self.shard_ids:
                raise ValueError("shard_ids must list at least one shard")
            wrong = [i for i in self.shard_ids if not 0 <= i < self.shards]
            if wrong:
                raise ValueError(
                    f"shard_ids {wrong} are outside 0..{self.shards - 1} (shards = {self.shards})"
                )
            if len(set(self.shard_ids)) != len(self.shard_ids):
                raise ValueError("shard_ids lists a shard twice")
        if self.gateway_url is not None and self.gateway_url.scheme not in ("ws", "wss"):
            raise ValueError("gateway_url must be a ws:// or wss:// URL")
        return self
