"""``platform = "console"``: a simulated community in the terminal."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from townsquare.adapters.common_config import BaseBotConfig


class ConsoleBotConfig(BaseBotConfig):
    platform: Literal["console"]
    community: str = "Town Square"
    managers: list[str] = Field(default_factory=lambda: ["alice"])
    """Console users who are community admins."""
