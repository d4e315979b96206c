"""Privacy hooks of escalation (:mod:`core.privacy`). Moderation must keep its records, so
a forgotten member's cases (as offender, reporter or the manager who claimed them), the
audit of those cases, and their warnings and mutes stay, each naming the pseudonym in
place of the user id and the name (a warning also loses the person it counted for, so a
returning member starts afresh); the text of a reported message stays as the case's
evidence. Their ``/managers`` inbox codes and their row among a community's managers go.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, delete, or_

from townsquare.core.privacy import Retention, Subject
from townsquare.storage.escalation_models import (
    EscalationAuditRow,
    EscalationCaseRow,
    EscalationLinkCodeRow,
    EscalationManagerRow,
    EscalationReporterRow,
    EscalationWarningRow,
)
from townsquare.storage.privacy import (
    erase_rows,
    export_tables,
    naming,
    of_accounts,
    of_persons,
    pseudonyms,
    replace_in_json,
    set_values,
)
from townsquare.storage.store import SqlTransaction

_cases: Table = EscalationCaseRow.__table__  # type: ignore[assignment]
_reporters: Table = EscalationReporterRow.__table__  # type: ignore[assignment]
_audit: Table = EscalationAuditRow.__table__  # type: ignore[assignment]
_warnings: Table = EscalationWarningRow.__table__  # type: ignore[assignment]
_codes: Table = EscalationLinkCodeRow.__table__  # type: ignore[assignment]
_managers: Table = EscalationManagerRow.__table__  # type: ignore[assignment]


def _parts(subject: Subject) -> list[tuple[Table, Any]]:
    return [
        (
            _cases,
            or_(
                of_accounts(subject, _cases.c.offender_id, _cases.c.platform),
                of_accounts(subject, _cases.c.claimed_by_id),
            ),
        ),
        (_reporters, of_accounts(subject, _reporters.c.user_id, _reporters.c.platform)),
        (
            _audit,
            or_(of_accounts(subject, _audit.c.actor_id), of_accounts(subject, _audit.c.target_id)),
        ),
        (
            _warnings,
            or_(
                of_accounts(subject, _warnings.c.user_id, _warnings.c.platform),
                of_accounts(subject, _warnings.c.issued_by_id),
                of_persons(subject, _warnings.c.person_id),
            ),
        ),
        (_codes, of_accounts(subject, _codes.c.created_by, _codes.c.platform)),
        (_managers, of_accounts(subject, _managers.c.user_id, _managers.c.platform)),
    ]


class EscalationPersonalData:
    tx: SqlTransaction

    async def erase_person(self, subject: Subject) -> None:
        tx, alias = self.tx, subject.pseudonym
        offender = of_accounts(subject, _cases.c.offender_id, _cases.c.platform)
        await set_values(tx, _cases, offender, {"offender_id": alias, "offender_name": alias})
        claimer = of_accounts(subject, _cases.c.claimed_by_id)
        await set_values(tx, _cases, claimer, {"claimed_by_id": alias, "claimed_by_name": alias})
        mapping = pseudonyms(subject)
        for column in ("evidence", "notified"):
            await replace_in_json(tx, _cases, column, naming(subject, _cases.c[column]), mapping)
        reporter = of_accounts(subject, _reporters.c.user_id, _reporters.c.platform)
        await set_values(tx, _reporters, reporter, {"user_id": alias, "display_name": alias})
        actor = of_accounts(subject, _audit.c.actor_id)
        await set_values(tx, _audit, actor, {"actor_id": alias, "actor_name": alias})
        target = of_accounts(subject, _audit.c.target_id)
        await set_values(tx, _audit, target, {"target_id": alias})
        warned = or_(
            of_accounts(subject, _warnings.c.user_id, _warnings.c.platform),
            of_persons(subject, _warnings.c.person_id),
        )
        values = {"user_id": alias, "display_name": alias, "person_id": None}
        await set_values(tx, _warnings, warned, values)
        issuer = of_accounts(subject, _warnings.c.issued_by_id)
        await set_values(tx, _warnings, issuer, {"issued_by_id": alias, "issued_by_name": alias})
        await erase_rows(tx, _codes, of_accounts(subject, _codes.c.created_by, _codes.c.platform))
        mine = of_accounts(subject, _managers.c.user_id, _managers.c.platform)
        await erase_rows(tx, _managers, mine)

    async def export_person(self, subject: Subject) -> dict[str, Any]:
        return await export_tables(self.tx, _parts(subject))

    async def expire_data(self, retention: Retention, now: datetime) -> None:
        """Cases closed, and warnings expired, more than ``moderation`` days ago go."""
        cutoff = retention.cutoff("moderation", now)
        closed = and_(_cases.c.closed_at.is_not(None), _cases.c.closed_at < cutoff)
        await self.tx.execute(delete(_cases).where(closed))
        await self.tx.execute(delete(_warnings).where(_warnings.c.expires_at < cutoff))
        await self.tx.execute(delete(_codes).where(_codes.c.expires_at < cutoff))
