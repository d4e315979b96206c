"""Facts of the onboarding feature (published by :mod:`core.onboarding`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from townsquare.core.facts.fact import Fact


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberGreeted(Fact):
    """Newcomer ``user_id`` was greeted (``combined``: in one greeting with others who
    joined during a burst)."""

    kind: ClassVar[str] = "onboarding.member_greeted"
    user_id: str
    combined: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberVerified(Fact):
    """Newcomer ``user_id`` accepted the community's rules (the ``/verify`` gate)."""

    kind: ClassVar[str] = "onboarding.member_verified"
    user_id: str
