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
REFUSALS = {
    "paid_teams_only": "user groups need a paid Slack plan",
    "missing_scope": "the app needs a scope",
    "not_allowed_token_type": "this token may not call the method",
    "permission_denied": "the workspace's settings do not let the bot change user groups",
    "no_such_subteam": "no such user group",
    "invalid_users": "Slack refused the member list",
    "invalid_user": "guests and bots cannot join user groups",
    "single_channel_guests_cannot_be_added": "guests and bots cannot join user groups",
}
"""What managers read of a refusal (the delivery worker stores it with the failure)."""


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
        return PermanentDeliveryError(_refusal(code, error.response) or f"Slack {status}")
    if isinstance(error, SlackClientError | aiohttp.ClientError | OSError | TimeoutError):
        return TransientDeliveryError(f"{type(error).__name__}: {error}")
    return error


def _refusal(code: str, response: Any) -> str:
    """``code`` with what it means, and for ``missing_scope`` the scope Slack named."""
    meaning = REFUSALS.get(code)
    if meaning is None:
        return code
    if code == "missing_scope":
        needed = response.get("needed")
        if isinstance(needed, str) and needed:
            meaning = f"the app needs {needed}"
    return f"{code}: {meaning}"


def retry_after(headers: Any, default: float = 1.0) -> float:
    try:
        return float(headers.get("Retry-After", default))
    except (TypeError, ValueError, AttributeError):
        return default
