"""Privacy hooks of announcements (:mod:`core.privacy`): the manager who scheduled one
is named by the pseudonym once forgotten (the announcement keeps running)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, delete, or_

from townsquare.core.privacy import Retention, Subject
from townsquare.storage.announcements_models import AnnouncementRow
from townsquare.storage.privacy import export_tables, of_accounts, set_values
from townsquare.storage.store import SqlTransaction

_announcements: Table = AnnouncementRow.__table__  # type: ignore[assignment]


class AnnouncementsPersonalData:
    tx: SqlTransaction

    def _mine(self, subject: Subject) -> Any:
        return of_accounts(subject, _announcements.c.created_by, _announcements.c.platform)

    async def erase_person(self, subject: Subject) -> None:
        pseudonym = subject.pseudonym
        values = {"created_by": pseudonym, "created_by_name": pseudonym}
        await set_values(self.tx, _announcements, self._mine(subject), values)

    async def export_person(self, subject: Subject) -> dict[str, Any]:
        return await export_tables(self.tx, [(_announcements, self._mine(subject))])

    async def expire_data(self, retention: Retention, now: datetime) -> None:
        """Cancelled announcements, and one-off ones posted, older than the setting."""
        cutoff = retention.cutoff("announcements", now)
        table = _announcements
        cancelled = and_(table.c.cancelled_at.is_not(None), table.c.cancelled_at < cutoff)
        done = and_(table.c.every.is_(None), table.c.posted > 0, table.c.first_at < cutoff)
        await self.tx.execute(delete(table).where(or_(cancelled, done)))
