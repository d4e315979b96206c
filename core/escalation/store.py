"""What the escalation feature keeps, and the repository protocol it needs.

``storage.escalation`` implements :class:`EscalationStore` in SQL; the feature receives a
factory taking the batch transaction, so the domain never sees SQL.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from townsquare.core.escalation.signals import Severity
from townsquare.core.privacy import PersonalData
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, MessageRef, PlatformRole
from townsquare.core.roles import Role


class CaseStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"

    @property
    def closed(self) -> bool:
        return self in (CaseStatus.RESOLVED, CaseStatus.DISMISSED)


class CaseSource(StrEnum):
    REPORT = "report"
    SIGNAL = "signal"


@dataclass(frozen=True, slots=True)
class Case:
    """A reported or detected message and what managers did about it.

    ``platform``, ``bot``, ``community_id`` and ``channel_id`` name the origin (where the
    message was posted and where moderation runs); ``inbox_*`` name where the case message
    was sent, possibly another bot on another platform.
    """

    id: int
    platform: str
    bot: str
    community_id: str
    community_title: str
    channel_id: str
    channel_title: str
    thread_id: str | None
    message_id: str | None
    snapshot: str
    link: str | None
    offender_id: str | None
    offender_name: str | None
    offender_role: Role
    source: CaseSource
    reason: str | None
    severity: Severity
    status: CaseStatus
    report_count: int
    evidence: tuple[Mapping[str, Any], ...]
    claimed_by_id: str | None
    claimed_by_name: str | None
    resolution: str | None
    inbox_bot: str | None
    inbox_channel: str | None
    inbox_thread: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    reannounced_at: datetime | None = None
    notified: tuple[str, ...] = ()
    """Managers sent the case privately (no inbox): their copies are edited too."""

    @property
    def key(self) -> str:
        """The outbox key of the case message in the inbox."""
        return f"case:{self.id}"

    @property
    def community(self) -> CommunityRef:
        return CommunityRef(self.platform, self.community_id, title=self.community_title)

    @property
    def channel(self) -> ChannelRef:
        return ChannelRef(self.channel_id, thread_id=self.thread_id, title=self.channel_title)

    @property
    def message(self) -> MessageRef | None:
        return MessageRef(self.channel, self.message_id) if self.message_id else None

    @property
    def offender(self) -> Actor | None:
        if self.offender_id is None:
            return None
        role = {
            Role.OWNER: PlatformRole.OWNER,
            Role.MANAGER: PlatformRole.ADMIN,
        }.get(self.offender_role, PlatformRole.MEMBER)
        return Actor(self.offender_id, self.offender_name or self.offender_id, platform_role=role)

    @property
    def inbox_channel_ref(self) -> ChannelRef | None:
        if self.inbox_channel is None:
            return None
        return ChannelRef(self.inbox_channel, thread_id=self.inbox_thread)


@dataclass(frozen=True, slots=True)
class NewCase:
    platform: str
    bot: str
    community_id: str
    community_title: str
    channel_id: str
    channel_title: str
    thread_id: str | None
    message_id: str | None
    snapshot: str
    link: str | None
    offender_id: str | None
    offender_name: str | None
    offender_role: Role
    source: CaseSource
    reason: str | None
    severity: Severity
    evidence: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Reporter:
    user_id: str
    display_name: str
    reason: str | None
    reported_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who did what, when and why: one row per change to a case or a member."""

    platform: str
    community_id: str
    actor_id: str
    actor_name: str
    action: str
    at: datetime
    case_id: int | None = None
    target_id: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class WarningRecord:
    id: int
    platform: str
    community_id: str
    user_id: str
    display_name: str
    reason: str | None
    issued_by_id: str
    issued_by_name: str
    issued_at: datetime
    expires_at: datetime
    case_id: int | None = None
    person_id: int | None = None
    """The person of the account when it was warned (None: given before people, or
    without a person directory)."""


@dataclass(frozen=True, slots=True)
class LinkCode:
    """A one-time code from ``/managers link``: whoever sends ``/managers here CODE`` in a
    chat makes that chat the inbox of the origin community."""

    code: str
    platform: str
    bot: str
    community_id: str
    community_title: str
    channel_id: str
    thread_id: str | None
    created_by: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """Cases visible from one place: the community's own, or those of its inbox."""

    platform: str | None = None
    community_id: str | None = None
    inbox_bot: str | None = None
    inbox_channel: str | None = None
    statuses: Collection[CaseStatus] = field(
        default_factory=lambda: (CaseStatus.OPEN, CaseStatus.CLAIMED)
    )
    limit: int = 15


class EscalationStore(PersonalData, Protocol):
    async def create_case(self, case: NewCase, now: datetime) -> Case | None:
        """Insert; None when a case for the same message already exists (a race)."""
        ...

    async def case(self, case_id: int) -> Case | None: ...

    async def case_for_message(
        self, platform: str, community_id: str, channel_id: str, message_id: str
    ) -> Case | None: ...

    async def save_case(self, case: Case) -> None:
        """Write every mutable field of ``case`` (status, severity, counts, inbox...)."""
        ...

    async def cases(self, where: CaseFilter) -> list[Case]:
        """Newest first."""
        ...

    async def add_reporter(
        self, case: Case, reporter: Reporter, *, platform: str, community_id: str
    ) -> bool:
        """False when this member already reported this case."""
        ...

    async def reporters(self, case_id: int) -> list[Reporter]: ...

    async def reports_since(
        self, platform: str, community_id: str, user_id: str, since: datetime
    ) -> int: ...

    async def audit(self, entry: AuditEntry) -> None: ...

    async def audit_log(self, case_id: int, limit: int = 20) -> list[AuditEntry]:
        """Oldest first."""
        ...

    async def add_warning(
        self,
        *,
        platform: str,
        community_id: str,
        target: Actor,
        reason: str | None,
        issued_by: Actor,
        issued_at: datetime,
        expires_at: datetime,
        case_id: int | None,
        person_id: int | None = None,
    ) -> WarningRecord: ...

    async def active_warnings(
        self, *, platform: str, user_id: str, persons: Collection[int], now: datetime
    ) -> list[WarningRecord]:
        """Warnings not yet expired, in every community, oldest first: those of the
        person ids ``persons`` and those of the account ``user_id`` on ``platform`` that
        have no person (given before people, or without a directory); with no
        ``persons``, every warning of the account."""
        ...

    async def create_link_code(self, code: LinkCode, now: datetime) -> None: ...

    async def take_link_code(self, code: str, now: datetime) -> LinkCode | None:
        """The code if it is unused and unexpired, marking it used (once, even in a race)."""
        ...

    async def remember_manager(
        self, platform: str, community_id: str, manager: Actor, now: datetime
    ) -> None: ...

    async def known_managers(self, platform: str, community_id: str) -> Sequence[Actor]: ...
