"""What happens to a posted message after it is sent: a pin, and a publication to the
servers that follow an announcement channel (Discord's "Publish", the crosspost route).

Whether a channel is an announcement channel (type 5, ``GUILD_ANNOUNCEMENT``) is read from
discord.py's guild cache, which GUILD_CREATE filled with every channel of the guild; a
channel the cache does not hold (the guild not received yet, a thread's parent) is asked
for once with ``GET /channels/{id}``. A message in any other channel has no followers, so
its publication is done without a call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import discord
from discord.http import Route

from townsquare.adapters.discord.rest import Rest, int_id, target
from townsquare.core.actions import CrosspostMessage, PinMessage, UnpinMessage
from townsquare.core.errors import PermanentDeliveryError
from townsquare.core.ports import Delivered

log = logging.getLogger(__name__)

ANNOUNCEMENT_CHANNEL = 5
"""``GUILD_ANNOUNCEMENT``: a channel other servers may follow."""
ALREADY_CROSSPOSTED = 40033
""""This message has already been crossposted": a publication repeated after a crash."""
UNKNOWN_MESSAGE = 10008
"""The message is gone: nothing is left to unpin."""

ChannelTypes = Callable[[int], int | None]
"""A channel's type as the gateway cache knows it (None: not cached)."""


async def pin(rest: Rest, action: PinMessage | UnpinMessage) -> Delivered:
    """Pin the message (the bot needs Pin Messages, or Manage Messages on older guilds);
    pinning a pinned message is answered 204 like the first time. An unpin is
    :func:`unpin`."""
    if isinstance(action, UnpinMessage):
        return await unpin(rest, action)
    if action.message is None:
        raise PermanentDeliveryError("pin without a resolved message")
    channel_id = target(action.message.channel)
    message_id = int_id(action.message.message_id, "message")
    route = Route(
        "PUT",
        "/channels/{channel_id}/messages/pins/{message_id}",
        channel_id=channel_id,
        message_id=message_id,
    )
    await rest.request(route, f"pin message {message_id}", reason="townsquare: announcement")
    return Delivered((action.message,))


async def unpin(rest: Rest, action: UnpinMessage) -> Delivered:
    """Unpin the message (the permission a pin needs); a message that is not pinned is
    answered 204 too, and one that was deleted has nothing left to unpin."""
    if action.message is None:
        raise PermanentDeliveryError("unpin without a resolved message")
    channel_id = target(action.message.channel)
    message_id = int_id(action.message.message_id, "message")
    route = Route(
        "DELETE",
        "/channels/{channel_id}/messages/pins/{message_id}",
        channel_id=channel_id,
        message_id=message_id,
    )
    try:
        await rest.request(route, f"unpin message {message_id}", reason="townsquare: announcement")
    except PermanentDeliveryError as error:
        cause = error.__cause__
        if not (isinstance(cause, discord.HTTPException) and cause.code == UNKNOWN_MESSAGE):
            raise
    return Delivered((action.message,))


async def crosspost(rest: Rest, action: CrosspostMessage, cached: ChannelTypes) -> Delivered:
    """Publish the message to the channel's followers when the channel is an announcement
    channel; elsewhere nothing to do. A message published already is done."""
    if action.message is None:
        raise PermanentDeliveryError("crosspost without a resolved message")
    channel_id = target(action.message.channel)
    if await channel_type(rest, channel_id, cached) != ANNOUNCEMENT_CHANNEL:
        return Delivered()
    message_id = int_id(action.message.message_id, "message")
    route = Route(
        "POST",
        "/channels/{channel_id}/messages/{message_id}/crosspost",
        channel_id=channel_id,
        message_id=message_id,
    )
    try:
        await rest.request(route, f"publish message {message_id}")
    except PermanentDeliveryError as error:
        cause = error.__cause__
        if isinstance(cause, discord.HTTPException) and cause.code == ALREADY_CROSSPOSTED:
            return Delivered((action.message,))
        raise
    log.info("bot %s published message %s to the followers of %s", rest.bot, message_id, channel_id)
    return Delivered((action.message,))


async def channel_type(rest: Rest, channel_id: int, cached: ChannelTypes) -> int | None:
    """The channel's type: the cache's, else Discord's answer to ``GET /channels/{id}``."""
    known = cached(channel_id)
    if known is not None:
        return known
    route = Route("GET", "/channels/{channel_id}", channel_id=channel_id)
    data = await rest.request(route, f"read channel {channel_id}")
    kind = data.get("type") if isinstance(data, dict) else None
    return int(kind) if isinstance(kind, int) else None
