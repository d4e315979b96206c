"""The feedback feature's per-community settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from townsquare.core.settings import FeatureSettings, setting


@dataclass(frozen=True, slots=True)
class FeedbackSettings(FeatureSettings):
    namespace: ClassVar[str] = "feedback"
    shipped: bool = setting(True, key="feedback_shipped", space=True)
    """The monthly "you asked, we shipped" post on the boards (``/feedback shipped``);
    a space shares it."""
