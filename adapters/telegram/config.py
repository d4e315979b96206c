"""``platform = "telegram"`` (aiogram) and ``"telegram-ptb"`` (python-telegram-bot)."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, SecretStr, model_validator

from townsquare.adapters.common_config import BaseBotConfig


class TelegramBotConfig(BaseBotConfig):
    platform: Literal["telegram", "telegram-ptb"]
    token: SecretStr
    api_url: AnyHttpUrl | None = None
    """Self-hosted Bot API server (and the test fake)."""
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: AnyHttpUrl | None = None
    webhook_secret: SecretStr | None = None
    listen: str = "0.0.0.0:8443"
    poll_timeout: int = 30

    @model_validator(mode="after")
    def _webhook_needs_url_and_secret(self) -> TelegramBotConfig:
        if self.mode == "webhook":
            if self.webhook_url is None:
                raise ValueError('mode = "webhook" needs webhook_url (the public HTTPS URL)')
            if self.webhook_secret is None:
                raise ValueError(
                    'mode = "webhook" needs webhook_secret (Telegram sends it back in '
                    "X-Telegram-Bot-Api-Secret-Token; requests without it are refused)"
                )
        return self
