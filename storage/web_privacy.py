"""Privacy hooks of the dashboard (:mod:`core.privacy`): a forgotten manager's login
links, sessions and grants go (they are signed out)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, or_

from townsquare.core.privacy import Retention, Subject
from townsquare.storage.privacy import erase_rows, export_tables, of_accounts, of_persons
from townsquare.storage.store import SqlTransaction
from townsquare.storage.web_models import WebGrantRow, WebLoginTokenRow, WebSessionRow

_tokens: Table = WebLoginTokenRow.__table__  # type: ignore[assignment]
_sessions: Table = WebSessionRow.__table__  # type: ignore[assignment]
_grants: Table = WebGrantRow.__table__  # type: ignore[assignment]


class DashboardPersonalData:
    tx: SqlTransaction

    def _parts(self, subject: Subject) -> list[tuple[Table, Any]]:
        return [
            (
                table,
                or_(
                    of_persons(subject, table.c.person_id),
                    of_accounts(subject, table.c.user_id, table.c.platform),
                ),
            )
            for table in (_tokens, _sessions)
        ] + [(_grants, of_accounts(subject, _grants.c.user_id, _grants.c.platform))]

    async def erase_person(self, subject: Subject) -> None:
        for table, condition in self._parts(subject):
            await erase_rows(self.tx, table, condition)

    async def export_person(self, subject: Subject) -> dict[str, Any]:
        exported = await export_tables(self.tx, self._parts(subject))
        for table in ("web_login_tokens", "web_sessions"):
            for row in exported.get(table, []):
                row.pop("token_hash", None)
                row.pop("secret_hash", None)
                row.pop("csrf", None)
        return exported

    async def expire_data(self, retention: Retention, now: datetime) -> None:
        """Login links and sessions that ended more than ``people`` days ago go."""
        cutoff = retention.cutoff("people", now)
        await self.tx.execute(delete(_tokens).where(_tokens.c.expires_at < cutoff))
        await self.tx.execute(delete(_sessions).where(_sessions.c.expires_at < cutoff))
