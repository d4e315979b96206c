"""The fake's pins, announcement channels and their publication to followers.

* ``GET /channels/{id}``: the channel object (how a client learns a channel's type).
* ``PUT /channels/{id}/messages/pins/{message}`` (discord.py 2.7's route): the bot needs
  Pin Messages or Manage Messages (guild level; the fake has no overwrites), a channel
  holds at most 50 pins (400, code 30003), pinning a pinned message is 204 again. The
  pin is dispatched as CHANNEL_PINS_UPDATE; the system message Discord adds ("pinned a
  message") is left out, so a channel's messages stay the bot's posts.
  ``DELETE`` on the same route unpins (204 also for a message that is not pinned).
* ``POST /channels/{id}/messages/{message}/crosspost``: only in an announcement channel
  (type 5; elsewhere 400, code 50024), once per message (400, code 40033), the bot's own
  message or with Manage Messages, and at most :data:`CROSSPOSTS_PER_HOUR` per channel
  in any hour: the next gets a 429 naming the wait, as Discord's publish limit does.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes.discord import payloads as p

if TYPE_CHECKING:
    from tests.fakes.discord.server import Guild

PIN_MESSAGES = 1 << 51
MAX_PINS = 50
CROSSPOSTS_PER_HOUR = 10
CROSSPOSTED = 1 << 0
"""Message flag: published to the channel's followers."""


class Publishing:
    """Mixed into :class:`tests.fakes.discord.server.FakeDiscord`."""

    channels: dict[int, dict[str, Any]]
    messages: dict[int, dict[str, Any]]
    guilds: dict[int, Guild]
    bot_id: int

    if TYPE_CHECKING:

        def member_permissions(self, guild: Guild, user_id: int) -> int: ...

        async def dispatch(
            self, event: str, data: dict[str, Any], *, guild_id: int | None
        ) -> int: ...

    def init_publishing(self) -> None:
        self._pins: dict[int, list[int]] = {}
        self._crossposts: list[tuple[int, int, float]] = []

    # -- world building and reading ----------------------------------------------------

    def announcement_channel(self, guild: Guild, name: str) -> dict[str, Any]:
        """Add an announcement channel (type 5) to ``guild``; call before the bot connects
        so its GUILD_CREATE carries it."""
        channel = p.text_channel(p.snowflake(), guild.id, name, position=len(guild.channels))
        channel["type"] = 5
        guild.channels.append(channel)
        self.channels[int(channel["id"])] = channel
        return channel

    def let_bot_pin(self, guild: Guild) -> None:
        """Give the bot the guild's "Mods" role (Manage Messages), so it may pin there."""
        member = guild.members[self.bot_id]
        mods = guild.roles[1]["id"]
        if mods not in member["roles"]:
            member["roles"] = [*member["roles"], mods]

    def pins(self, channel_id: int | str) -> list[int]:
        """The ids of the messages pinned in a channel, in the order they were pinned."""
        return list(self._pins.get(int(channel_id), []))

    @property
    def crossposts(self) -> list[tuple[int, int]]:
        """(channel id, message id) of every publication to followers, in order."""
        return [(channel, message) for channel, message, _at in self._crossposts]

    # -- routes -------------------------------------------------------------------------

    def publishing_routes(self) -> list[tuple[str, str, Any]]:
        return [
            ("GET", r"/channels/(\d+)", self._get_channel),
            ("PUT", r"/channels/(\d+)/messages/pins/(\d+)", self._pin_message),
            ("DELETE", r"/channels/(\d+)/messages/pins/(\d+)", self._unpin_message),
            ("POST", r"/channels/(\d+)/messages/(\d+)/crosspost", self._crosspost),
        ]

    def _message_in(self, channel_id: str, message_id: str) -> dict[str, Any] | None:
        message = self.messages.get(int(message_id))
        if message is None or message["channel_id"] != channel_id or message.get("deleted"):
            return None
        return message

    def _bot_may(self, channel: dict[str, Any], *permissions: int) -> bool:
        guild = self.guilds.get(int(channel.get("guild_id") or 0))
        if guild is None:
            return True  # a direct message: anyone in it may pin
        granted = self.member_permissions(guild, self.bot_id)
        return any(granted & permission for permission in permissions)

    async def _get_channel(self, request: web.Request, body: Any, channel_id: str) -> web.Response:
        channel = self.channels.get(int(channel_id))
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        return _json(channel)

    async def _pin_message(
        self, request: web.Request, body: Any, channel_id: str, message_id: str
    ) -> web.Response:
        channel = self.channels.get(int(channel_id))
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        message = self._message_in(channel_id, message_id)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        if not self._bot_may(channel, PIN_MESSAGES, p.MANAGE_MESSAGES):
            return _error(403, 50013, "Missing Permissions")
        pins = self._pins.setdefault(int(channel_id), [])
        if int(message_id) not in pins:
            if len(pins) >= MAX_PINS:
                return _error(400, 30003, "Maximum number of pins reached (50)")
            pins.append(int(message_id))
            message["pinned"] = True
            guild_id = channel.get("guild_id")
            await self.dispatch(
                "CHANNEL_PINS_UPDATE",
                {"guild_id": guild_id, "channel_id": channel_id, "last_pin_timestamp": p.iso()},
                guild_id=int(guild_id) if guild_id else None,
            )
        return web.Response(status=204)

    async def _unpin_message(
        self, request: web.Request, body: Any, channel_id: str, message_id: str
    ) -> web.Response:
        """Checked as a pin is; unpinning a message that is not pinned is 204."""
        channel = self.channels.get(int(channel_id))
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        message = self._message_in(channel_id, message_id)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        if not self._bot_may(channel, PIN_MESSAGES, p.MANAGE_MESSAGES):
            return _error(403, 50013, "Missing Permissions")
        pins = self._pins.setdefault(int(channel_id), [])
        if int(message_id) in pins:
            pins.remove(int(message_id))
            message["pinned"] = False
            guild_id = channel.get("guild_id")
            await self.dispatch(
                "CHANNEL_PINS_UPDATE",
                {"guild_id": guild_id, "channel_id": channel_id, "last_pin_timestamp": None},
                guild_id=int(guild_id) if guild_id else None,
            )
        return web.Response(status=204)

    async def _crosspost(
        self, request: web.Request, body: Any, channel_id: str, message_id: str
    ) -> web.Response:
        channel = self.channels.get(int(channel_id))
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        message = self._message_in(channel_id, message_id)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        if channel["type"] != 5:
            return _error(400, 50024, "Cannot execute action on this channel type")
        own = message["author"]["id"] == str(self.bot_id)
        if not own and not self._bot_may(channel, p.MANAGE_MESSAGES):
            return _error(403, 50013, "Missing Permissions")
        if int(message.get("flags") or 0) & CROSSPOSTED:
            return _error(400, 40033, "This message has already been crossposted.")
        now = time.monotonic()
        recent = [
            at
            for channel, _m, at in self._crossposts
            if channel == int(channel_id) and now - at < 3600
        ]
        if len(recent) >= CROSSPOSTS_PER_HOUR:
            wait = 3600 - (now - min(recent))
            return _json(
                {"message": "You are being rate limited.", "retry_after": wait, "global": False},
                429,
                {
                    "Retry-After": str(round(wait)),
                    "Via": "1.1 google",
                    "X-RateLimit-Scope": "shared",
                },
            )
        self._crossposts.append((int(channel_id), int(message_id), now))
        message["flags"] = int(message.get("flags") or 0) | CROSSPOSTED
        public = {
            k: v
            for k, v in message.items()
            if k not in ("pings", "allowed_mentions", "interaction_id", "deleted")
        }
        return _json(public)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(body).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"message": message, "code": code}, status)
