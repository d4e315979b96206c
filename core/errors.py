"""Errors adapters raise from ``perform`` so the delivery worker can decide what to do."""

from __future__ import annotations


class DeliveryError(Exception):
    """An outbound action failed."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying: network trouble, a 5xx, a rate limit."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(TransientDeliveryError):
    """The platform answered 429; ``retry_after`` seconds must pass first."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help: the chat is gone, the bot was blocked, the request is invalid."""


class DirectMessageRefused(PermanentDeliveryError):
    """The member cannot be messaged privately (never started the bot, closed DMs)."""


class NotSupported(PermanentDeliveryError):
    """The adapter lacks the capability; the core should have degraded the action first."""
