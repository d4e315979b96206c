"""Bot API failures -> the core's delivery errors, for both backends.

aiogram and python-telegram-bot raise their own exception classes for the same Bot API
answers; each transport names the :class:`Failure` its exception stands for, and the one
rule below turns it into what the delivery worker acts on (retry, wait, give up, or tell
the member's managers that the member cannot be reached privately)."""

from __future__ import annotations

from enum import Enum, auto
from typing import assert_never

from townsquare.core.errors import (
    DirectMessageRefused,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
)


class Failure(Enum):
    RETRY_AFTER = auto()
    """429: wait ``retry_after`` seconds."""
    SERVER = auto()
    """5xx from the Bot API server."""
    NETWORK = auto()
    """The request did not complete (connection, timeout)."""
    FORBIDDEN = auto()
    """403: blocked by the member, kicked from the chat."""
    NOT_FOUND = auto()
    """404: the chat or the method does not exist."""
    BAD_REQUEST = auto()
    """400: the request is wrong, or the private chat cannot be opened."""
    OTHER = auto()
    """Any other Bot API refusal (401, 409, 413, ...)."""


def no_private_chat(description: str) -> bool:
    """A private chat Telegram cannot open: the member is unknown to the bot (never
    started it) rather than the request being wrong."""
    lowered = description.lower()
    return "chat not found" in lowered or "peer_id_invalid" in lowered


def delivery_error(
    failure: Failure, description: str, *, direct: bool = False, retry_after: float = 1.0
) -> Exception:
    """The core's error for a failed request; ``direct`` when it was a private message."""
    match failure:
        case Failure.RETRY_AFTER:
            return RateLimited(description, retry_after=retry_after)
        case Failure.SERVER | Failure.NETWORK:
            return TransientDeliveryError(description)
        case Failure.FORBIDDEN | Failure.NOT_FOUND:
            return (
                DirectMessageRefused(description) if direct else PermanentDeliveryError(description)
            )
        case Failure.BAD_REQUEST if direct and no_private_chat(description):
            return DirectMessageRefused(description)
        case Failure.BAD_REQUEST | Failure.OTHER:
            return PermanentDeliveryError(description)
        case _:
            assert_never(failure)
