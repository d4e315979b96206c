"""discord.py's and the network's failures -> the core's delivery errors, and the error codes
of Discord's JSON errors the adapter acts on (the delivery worker decides on retries)."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import discord

from townsquare.core.errors import (
    DirectMessageRefused,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
)

UNKNOWN_MESSAGE = 10008
UNKNOWN_WEBHOOK = 10015
"""What the webhook endpoints answer for an interaction nobody acknowledged (yet)."""
ALREADY_ACKNOWLEDGED = 40060
CANNOT_MESSAGE_USER = 50007
EXPIRED_INTERACTION_CODES = frozenset({10015, 10062, 50027})
"""Unknown webhook, unknown interaction, invalid webhook token: the token carries nothing
any more (or the interaction was never acknowledged)."""


def _retry_after(error: discord.HTTPException) -> float:
    headers = getattr(error.response, "headers", None) or {}
    for name in ("X-RateLimit-Reset-After", "Retry-After"):
        value = headers.get(name)
        if value:
            with contextlib.suppress(ValueError):
                return max(float(value), 0.0)
    return 1.0


def delivery_error(error: BaseException, what: str) -> Exception:
    """Map a discord.py or network failure to the core's delivery errors."""
    if isinstance(error, discord.RateLimited):
        return RateLimited(f"{what}: rate limited", retry_after=error.retry_after)
    if isinstance(error, discord.HTTPException):
        detail = f"{what}: Discord {error.status} (code {error.code}) {error.text}".strip()
        if error.status == 429:
            return RateLimited(detail, retry_after=_retry_after(error))
        if error.status >= 500:
            return TransientDeliveryError(detail)
        if error.code == CANNOT_MESSAGE_USER:
            return DirectMessageRefused(detail)
        return PermanentDeliveryError(detail)
    if isinstance(error, aiohttp.ClientError | OSError | asyncio.TimeoutError):
        return TransientDeliveryError(f"{what}: {type(error).__name__}: {error}")
    return PermanentDeliveryError(f"{what}: {type(error).__name__}: {error}")
