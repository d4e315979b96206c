"""SQL side of :mod:`core.escalation`: reads on the batch connection, writes through
``SqlTransaction.execute`` (the feature's savepoint)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select, update

from townsquare.core.escalation.signals import Severity
from townsquare.core.escalation.store import (
    AuditEntry,
    Case,
    CaseFilter,
    CaseSource,
    CaseStatus,
    LinkCode,
    NewCase,
    Reporter,
    WarningRecord,
)
from townsquare.core.refs import Actor
from townsquare.core.roles import Role
from townsquare.storage.escalation_models import (
    EscalationAuditRow,
    EscalationCaseRow,
    EscalationLinkCodeRow,
    EscalationManagerRow,
    EscalationReporterRow,
    EscalationWarningRow,
)
from townsquare.storage.escalation_privacy import EscalationPersonalData
from townsquare.storage.store import SqlTransaction

_cases: Table = EscalationCaseRow.__table__  # type: ignore[assignment]
_reporters: Table = EscalationReporterRow.__table__  # type: ignore[assignment]
_audit: Table = EscalationAuditRow.__table__  # type: ignore[assignment]
_warnings: Table = EscalationWarningRow.__table__  # type: ignore[assignment]
_codes: Table = EscalationLinkCodeRow.__table__  # type: ignore[assignment]
_managers: Table = EscalationManagerRow.__table__  # type: ignore[assignment]

_MUTABLE = (
    "severity",
    "status",
    "report_count",
    "reason",
    "claimed_by_id",
    "claimed_by_name",
    "resolution",
    "inbox_bot",
    "inbox_channel",
    "inbox_thread",
    "updated_at",
    "closed_at",
    "reannounced_at",
)


def _case(row: Any) -> Case:
    return Case(
        id=row.id,
        platform=row.platform,
        bot=row.bot,
        community_id=row.community_id,
        community_title=row.community_title,
        channel_id=row.channel_id,
        channel_title=row.channel_title,
        thread_id=row.thread_id,
        message_id=row.message_id,
        snapshot=row.snapshot,
        link=row.link,
        offender_id=row.offender_id,
        offender_name=row.offender_name,
        offender_role=Role(row.offender_role),
        source=CaseSource(row.source),
        reason=row.reason,
        severity=Severity(row.severity),
        status=CaseStatus(row.status),
        report_count=row.report_count,
        evidence=tuple((row.evidence or {}).get("items", ())),
        claimed_by_id=row.claimed_by_id,
        claimed_by_name=row.claimed_by_name,
        resolution=row.resolution,
        inbox_bot=row.inbox_bot,
        inbox_channel=row.inbox_channel,
        inbox_thread=row.inbox_thread,
        created_at=row.created_at,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
        reannounced_at=row.reannounced_at,
        notified=tuple((row.notified or {}).get("users", ())),
    )


def _warning(row: Any) -> WarningRecord:
    return WarningRecord(
        id=row.id,
        platform=row.platform,
        community_id=row.community_id,
        user_id=row.user_id,
        display_name=row.display_name,
        reason=row.reason,
        issued_by_id=row.issued_by_id,
        issued_by_name=row.issued_by_name,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        case_id=row.case_id,
        person_id=row.person_id,
    )


class SqlEscalationStore(EscalationPersonalData):
    """Implements :class:`core.escalation.store.EscalationStore`."""

    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    async def _one(self, statement: Any) -> Any:
        return (await self.tx.connection.execute(statement)).first()

    async def create_case(self, case: NewCase, now: datetime) -> Case | None:
        values: dict[str, Any] = {
            "platform": case.platform,
            "bot": case.bot,
            "community_id": case.community_id,
            "community_title": case.community_title[:256],
            "channel_id": case.channel_id,
            "channel_title": case.channel_title[:256],
            "thread_id": case.thread_id,
            "message_id": case.message_id,
            "snapshot": case.snapshot,
            "link": case.link[:512] if case.link else None,
            "offender_id": case.offender_id,
            "offender_name": case.offender_name[:256] if case.offender_name else None,
            "offender_role": int(case.offender_role),
            "source": str(case.source),
            "reason": case.reason,
            "severity": int(case.severity),
            "status": str(CaseStatus.OPEN),
            "report_count": 0,
            "evidence": {"items": [dict(item) for item in case.evidence]},
            "notified": {"users": []},
            "created_at": now,
            "updated_at": now,
        }
        # ON CONFLICT DO NOTHING: a concurrent report of the same message (another process)
        # makes this return no row instead of failing the whole feature scope.
        insert = self.tx.store._insert(_cases).values(values).on_conflict_do_nothing()
        result = await self.tx.execute(insert.returning(*_cases.c))
        row = result.first()
        return _case(row) if row is not None else None

    async def case(self, case_id: int) -> Case | None:
        row = await self._one(select(_cases).where(_cases.c.id == case_id))
        return _case(row) if row is not None else None

    async def case_for_message(
        self, platform: str, community_id: str, channel_id: str, message_id: str
    ) -> Case | None:
        row = await self._one(
            select(_cases).where(
                _cases.c.platform == platform,
                _cases.c.community_id == community_id,
                _cases.c.channel_id == channel_id,
                _cases.c.message_id == message_id,
            )
        )
        return _case(row) if row is not None else None

    async def save_case(self, case: Case) -> None:
        values: dict[str, Any] = {name: getattr(case, name) for name in _MUTABLE}
        values["severity"] = int(case.severity)
        values["status"] = str(case.status)
        values["evidence"] = {"items": [dict(item) for item in case.evidence]}
        values["notified"] = {"users": list(case.notified)}
        await self.tx.execute(update(_cases).where(_cases.c.id == case.id).values(values))

    async def cases(self, where: CaseFilter) -> list[Case]:
        scopes = []
        if where.platform is not None and where.community_id is not None:
            scopes.append(
                (_cases.c.platform == where.platform)
                & (_cases.c.community_id == where.community_id)
            )
        if where.inbox_bot is not None and where.inbox_channel is not None:
            scopes.append(
                (_cases.c.inbox_bot == where.inbox_bot)
                & (_cases.c.inbox_channel == where.inbox_channel)
            )
        if not scopes:
            return []
        scope = scopes[0]
        for other in scopes[1:]:
            scope = scope | other
        statement = (
            select(_cases)
            .where(scope, _cases.c.status.in_([str(status) for status in where.statuses]))
            .order_by(_cases.c.id.desc())
            .limit(where.limit)
        )
        rows = await self.tx.connection.execute(statement)
        return [_case(row) for row in rows]

    async def add_reporter(
        self, case: Case, reporter: Reporter, *, platform: str, community_id: str
    ) -> bool:
        insert = (
            self.tx.store._insert(_reporters)
            .values(
                case_id=case.id,
                user_id=reporter.user_id,
                display_name=reporter.display_name[:256],
                reason=reporter.reason,
                platform=platform,
                community_id=community_id,
                reported_at=reporter.reported_at,
            )
            .on_conflict_do_nothing()
            .returning(_reporters.c.user_id)
        )
        result = await self.tx.execute(insert)
        return result.first() is not None

    async def reporters(self, case_id: int) -> list[Reporter]:
        rows = await self.tx.connection.execute(
            select(_reporters)
            .where(_reporters.c.case_id == case_id)
            .order_by(_reporters.c.reported_at, _reporters.c.user_id)
        )
        return [
            Reporter(row.user_id, row.display_name, row.reason, row.reported_at) for row in rows
        ]

    async def reports_since(
        self, platform: str, community_id: str, user_id: str, since: datetime
    ) -> int:
        count = await self.tx.connection.scalar(
            select(func.count())
            .select_from(_reporters)
            .where(
                _reporters.c.platform == platform,
                _reporters.c.community_id == community_id,
                _reporters.c.user_id == user_id,
                _reporters.c.reported_at >= since,
            )
        )
        return int(count or 0)

    async def audit(self, entry: AuditEntry) -> None:
        await self.tx.execute(
            _audit.insert().values(
                case_id=entry.case_id,
                platform=entry.platform,
                community_id=entry.community_id,
                actor_id=entry.actor_id,
                actor_name=entry.actor_name[:256],
                action=entry.action,
                target_id=entry.target_id,
                note=entry.note,
                at=entry.at,
            )
        )

    async def audit_log(self, case_id: int, limit: int = 20) -> list[AuditEntry]:
        rows = await self.tx.connection.execute(
            select(_audit)
            .where(_audit.c.case_id == case_id)
            .order_by(_audit.c.id.desc())
            .limit(limit)
        )
        entries = [
            AuditEntry(
                platform=row.platform,
                community_id=row.community_id,
                actor_id=row.actor_id,
                actor_name=row.actor_name,
                action=row.action,
                at=row.at,
                case_id=row.case_id,
                target_id=row.target_id,
                note=row.note,
            )
            for row in rows
        ]
        return entries[::-1]

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
    ) -> WarningRecord:
        result = await self.tx.execute(
            _warnings.insert()
            .values(
                platform=platform,
                community_id=community_id,
                user_id=target.user_id,
                display_name=target.display_name[:256],
                reason=reason,
                issued_by_id=issued_by.user_id,
                issued_by_name=issued_by.display_name[:256],
                issued_at=issued_at,
                expires_at=expires_at,
                case_id=case_id,
                person_id=person_id,
            )
            .returning(*_warnings.c)
        )
        return _warning(result.one())

    async def active_warnings(
        self, *, platform: str, user_id: str, persons: Collection[int], now: datetime
    ) -> list[WarningRecord]:
        account = (_warnings.c.platform == platform) & (_warnings.c.user_id == user_id)
        if persons:  # and the account's own warnings that were given no person
            whose = _warnings.c.person_id.in_(sorted(persons)) | (
                account & _warnings.c.person_id.is_(None)
            )
        else:
            whose = account
        rows = await self.tx.connection.execute(
            select(_warnings)
            .where(whose, _warnings.c.expires_at > now)
            .order_by(_warnings.c.issued_at, _warnings.c.id)
        )
        return [_warning(row) for row in rows]

    async def create_link_code(self, code: LinkCode, now: datetime) -> None:
        await self.tx.execute(
            _codes.insert().values(
                code=code.code,
                platform=code.platform,
                bot=code.bot,
                community_id=code.community_id,
                community_title=code.community_title[:256],
                channel_id=code.channel_id,
                thread_id=code.thread_id,
                created_by=code.created_by,
                created_at=now,
                expires_at=code.expires_at,
                used_at=None,
            )
        )

    async def take_link_code(self, code: str, now: datetime) -> LinkCode | None:
        # One UPDATE ... RETURNING both checks and consumes the code, so two chats racing
        # with the same code cannot both win.
        result = await self.tx.execute(
            update(_codes)
            .where(_codes.c.code == code, _codes.c.used_at.is_(None), _codes.c.expires_at > now)
            .values(used_at=now)
            .returning(*_codes.c)
        )
        row = result.first()
        if row is None:
            return None
        return LinkCode(
            code=row.code,
            platform=row.platform,
            bot=row.bot,
            community_id=row.community_id,
            community_title=row.community_title,
            channel_id=row.channel_id,
            thread_id=row.thread_id,
            created_by=row.created_by,
            expires_at=row.expires_at,
        )

    async def remember_manager(
        self, platform: str, community_id: str, manager: Actor, now: datetime
    ) -> None:
        values = {
            "platform": platform,
            "community_id": community_id,
            "user_id": manager.user_id,
            "display_name": manager.display_name[:256],
            "seen_at": now,
        }
        upsert = self.tx.store._insert(_managers).values(values)
        upsert = upsert.on_conflict_do_update(
            index_elements=[_managers.c.platform, _managers.c.community_id, _managers.c.user_id],
            set_={"display_name": values["display_name"], "seen_at": now},
        )
        await self.tx.execute(upsert)

    async def known_managers(self, platform: str, community_id: str) -> Sequence[Actor]:
        rows = await self.tx.connection.execute(
            select(_managers.c.user_id, _managers.c.display_name)
            .where(_managers.c.platform == platform, _managers.c.community_id == community_id)
            .order_by(_managers.c.seen_at.desc())
            .limit(20)
        )
        return [Actor(row.user_id, row.display_name) for row in rows]
