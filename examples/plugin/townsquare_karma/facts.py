"""What karma tells other features: a fact each time a member is thanked.

Another feature (rewards, analytics, or another plugin) subscribes with
``@on(KarmaGiven)`` and never imports this plugin's store or table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from townsquare import Fact


@dataclass(frozen=True, slots=True, kw_only=True)
class KarmaGiven(Fact):
    """``giver_id`` thanked ``receiver_id``, who now has ``points``."""

    kind: ClassVar[str] = "karma.given"
    """Stored with the fact: namespaced by the plugin, and never renamed."""
    giver_id: str
    receiver_id: str
    receiver_name: str
    points: int
