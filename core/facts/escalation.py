"""Facts of the escalation feature: cases and moderation (published by
:mod:`core.escalation`; rewards, analytics and the dashboard consume them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from townsquare.core.facts.fact import Fact


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseOpened(Fact):
    """A new case: a member reported a message, or a detector flagged one.

    ``source`` is ``"report"`` or ``"signal"``; ``reporter_id`` is who reported (None for
    a signal); ``offender_id`` the author of the message, if known."""

    kind: ClassVar[str] = "escalation.case_opened"
    case_id: int
    source: str
    severity: int
    offender_id: str | None = None
    reporter_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseClaimed(Fact):
    """A manager took a case on (``manager_id``, on ``manager_platform``: the inbox may
    be on another platform than the case)."""

    kind: ClassVar[str] = "escalation.case_claimed"
    case_id: int
    manager_id: str
    manager_platform: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseResolved(Fact):
    """A manager closed a case: resolved it, or dismissed it (``dismissed``: nothing to
    act on). ``reporter_ids`` are the members who reported it (a reward for a useful
    report goes to them only when the case was not dismissed)."""

    kind: ClassVar[str] = "escalation.case_resolved"
    case_id: int
    manager_id: str
    manager_platform: str
    dismissed: bool = False
    reporter_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class WarningGiven(Fact):
    """``user_id`` was warned by ``manager_id``; ``warnings`` is how many they have now."""

    kind: ClassVar[str] = "escalation.warning_given"
    user_id: str
    manager_id: str
    warnings: int
    case_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberMuted(Fact):
    """``user_id`` was muted by ``manager_id`` (or by the warnings policy: ``manager_id``
    still names who gave the last warning) until ``until`` (None: until unmuted)."""

    kind: ClassVar[str] = "escalation.member_muted"
    user_id: str
    manager_id: str
    until: datetime | None = None
    case_id: int | None = None
