"""Builders for realistic Discord API v10 payloads (gateway dispatches and REST objects).

Field names, types and optionality follow the Discord developer documentation so that
discord.py parses them exactly as it parses production traffic. Ids are real snowflakes
(timestamp in the high bits), which matters: ``discord.utils.escape_mentions`` and the
mention syntax only recognise 17-20 digit ids, and sharding routes guilds by
``(guild_id >> 22) % shard_count``.
"""

from __future__ import annotations

import itertools
import secrets
import time
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
MANAGE_ROLES = 1 << 28
MODERATE_MEMBERS = 1 << 40
EVERYONE_PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | (1 << 6) | (1 << 16)

# Application flags that mirror the developer portal's "Privileged Gateway Intents" toggles.
GATEWAY_PRESENCE = 1 << 12
GATEWAY_GUILD_MEMBERS = 1 << 14
GATEWAY_MESSAGE_CONTENT = 1 << 18

_increment = itertools.count(1)


def snowflake(at: datetime | None = None) -> int:
    """A fresh, unique snowflake for ``at`` (default now)."""
    when_ms = int((at.timestamp() if at else time.time()) * 1000)
    return ((when_ms - DISCORD_EPOCH_MS) << 22) | (1 << 17) | (next(_increment) & 0xFFF)


def iso(at: datetime | None = None) -> str:
    return (at or datetime.now(UTC)).isoformat()


def user(
    user_id: int | None = None,
    username: str = "alice",
    *,
    global_name: str | None = None,
    bot: bool = False,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(user_id or snowflake()),
        "username": username,
        "discriminator": "0",
        "global_name": global_name,
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }
    if bot:
        payload["bot"] = True
    return payload


def member(
    user_payload: dict[str, Any],
    *,
    nick: str | None = None,
    roles: list[int] | None = None,
    joined_at: datetime | None = None,
    permissions: int | None = None,
) -> dict[str, Any]:
    """A guild member; ``permissions`` is only present in interaction payloads."""
    payload: dict[str, Any] = {
        "user": user_payload,
        "nick": nick,
        "avatar": None,
        "banner": None,
        "roles": [str(role) for role in roles or ()],
        "joined_at": iso(joined_at),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
        "avatar_decoration_data": None,
        "collectibles": None,
    }
    if permissions is not None:
        payload["permissions"] = str(permissions)
    return payload


def role(role_id: int, name: str, permissions: int, *, position: int = 0) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def text_channel(channel_id: int, guild_id: int, name: str, *, position: int = 0) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "parent_id": None,
        "flags": 0,
    }


def dm_channel(channel_id: int, recipient: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 1,
        "last_message_id": None,
        "flags": 0,
        "recipients": [recipient],
    }


def message(
    *,
    message_id: int | None = None,
    channel_id: int,
    author: dict[str, Any],
    content: str,
    guild_id: int | None = None,
    member_payload: dict[str, Any] | None = None,
    components: list[dict[str, Any]] | None = None,
    referenced: dict[str, Any] | None = None,
    flags: int = 0,
    webhook_id: int | None = None,
    application_id: int | None = None,
    message_type: int | None = None,
) -> dict[str, Any]:
    """A message object as REST returns it and MESSAGE_CREATE carries it.

    In a MESSAGE_CREATE of a guild the dispatch also carries ``guild_id`` and a partial
    ``member`` (the member object without ``user``)."""
    mid = message_id or snowflake()
    payload: dict[str, Any] = {
        "id": str(mid),
        "type": message_type if message_type is not None else (19 if referenced else 0),
        "channel_id": str(channel_id),
        "author": author,
        "content": content,
        "timestamp": iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "flags": flags,
        "components": components or [],
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
    if member_payload is not None:
        payload["member"] = {k: v for k, v in member_payload.items() if k != "user"}
    if referenced is not None:
        payload["message_reference"] = {
            "type": 0,
            "message_id": referenced["id"],
            "channel_id": referenced["channel_id"],
            **({"guild_id": str(guild_id)} if guild_id is not None else {}),
        }
        payload["referenced_message"] = referenced
    if webhook_id is not None:
        payload["webhook_id"] = str(webhook_id)
    if application_id is not None:
        payload["application_id"] = str(application_id)
    return payload


def interaction(
    *,
    application_id: int,
    interaction_type: int,
    data: dict[str, Any],
    guild_id: int | None,
    channel: dict[str, Any],
    member_payload: dict[str, Any] | None = None,
    user_payload: dict[str, Any] | None = None,
    message_payload: dict[str, Any] | None = None,
    interaction_id: int | None = None,
    token: str | None = None,
    app_permissions: int = (1 << 51) - 1,
) -> dict[str, Any]:
    """An INTERACTION_CREATE payload: type 2 application command, 3 message component."""
    payload: dict[str, Any] = {
        "id": str(interaction_id or snowflake()),
        "application_id": str(application_id),
        "type": interaction_type,
        "data": data,
        "channel": channel,
        "channel_id": channel["id"],
        "token": token or "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48),
        "version": 1,
        "app_permissions": str(app_permissions),
        "locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": (guild_id and str(guild_id)) or "0"},
        "context": 0 if guild_id is not None else 1,
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
        payload["guild_locale"] = "en-US"
        payload["guild"] = {"id": str(guild_id), "locale": "en-US", "features": []}
        payload["member"] = member_payload
    else:
        payload["user"] = user_payload
    if message_payload is not None:
        payload["message"] = message_payload
    return payload


def application(application_id: int, bot_user: dict[str, Any], flags: int) -> dict[str, Any]:
    """``GET /oauth2/applications/@me``: ``flags`` carry the privileged-intent toggles."""
    return {
        "id": str(application_id),
        "name": bot_user["username"],
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "hook": True,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": secrets.token_hex(32),
        "owner": user(username="owner"),
        "team": None,
        "flags": flags,
        "rpc_origins": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "tags": [],
        "install_params": None,
        "integration_types_config": {"0": {}},
        "approximate_guild_count": 0,
        "bot": bot_user,
        "redirect_uris": [],
        "event_webhooks_status": 1,
    }
