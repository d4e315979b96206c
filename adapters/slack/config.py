"""``platform = "slack"`` (slack-bolt)."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, SecretStr, model_validator

from townsquare.adapters.common_config import BaseBotConfig

EVENTS_PATH = "/slack/events"
"""Where ``listen`` takes Events API, slash command and interactivity requests."""


class SlackBotConfig(BaseBotConfig):
    platform: Literal["slack"]
    token: SecretStr
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = None
    """Socket Mode when set; otherwise the HTTP Events API on ``listen``."""
    listen: str = "127.0.0.1:3000"
    api_url: AnyHttpUrl | None = None
    """Web API base (GovSlack, tests)."""
    public_url: AnyHttpUrl | None = None
    """Where Slack reaches ``listen`` from outside; used by ``townsquare slack manifest``."""

    @model_validator(mode="after")
    def _http_mode_needs_signing_secret(self) -> SlackBotConfig:
        if self.app_token is None and self.signing_secret is None:
            raise ValueError(
                "signing_secret is required for the HTTP Events API "
                "(or set app_token for Socket Mode)"
            )
        return self
