"""Slack's and the network's failures -> the core's delivery errors (the delivery worker
decides on retries)."""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from townsquare.core.errors import (
    DirectMessageRefused,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
)

DM_REFUSALS = {"cannot_dm_bot", "user_not_found", "user_disabled", "not_allowed_token_type"}


def translate_error(error: Exception, *, direct: bool = False) -> Exception:
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        code = str(error.response.get("error", ""))
        if status == 429:
            retry = retry_after(error.response.headers)
            return RateLimited(f"rate limited: {code}", retry_after=retry)
        if status >= 500:
            return TransientDeliveryError(f"Slack {status}: {code}")
        if direct and code in DM_REFUSALS:
            return DirectMessageRefused(code)
        return PermanentDeliveryError(code or f"Slack {status}")
    if isinstance(error, SlackClientError | aiohttp.ClientError | OSError | TimeoutError):
        return TransientDeliveryError(f"{type(error).__name__}: {error}")
    return error


def retry_after(headers: Any, default: float = 1.0) -> float:
    try:
        return float(headers.get("Retry-After", default))
    except (TypeError, ValueError, AttributeError):
        return default
