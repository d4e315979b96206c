"""Keys every ``[[bots]]`` table shares."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class BaseBotConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
    enabled: bool = True


def secret_value(secret: SecretStr | None) -> str:
    return secret.get_secret_value() if secret is not None else ""
