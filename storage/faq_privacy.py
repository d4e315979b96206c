"""Privacy hooks of the FAQ (:mod:`core.privacy`): a forgotten member's helpful votes keep
counting under an anonymous key; entries they wrote lose their author."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete

from townsquare.core.privacy import Retention, Subject
from townsquare.storage.faq_models import FaqEntryRow, FaqUnansweredRow, FaqVoteRow
from townsquare.storage.privacy import anonymise, export_tables, of_accounts, set_values
from townsquare.storage.store import SqlTransaction

_entries: Table = FaqEntryRow.__table__  # type: ignore[assignment]
_votes: Table = FaqVoteRow.__table__  # type: ignore[assignment]
_unanswered: Table = FaqUnansweredRow.__table__  # type: ignore[assignment]


class FaqPersonalData:
    tx: SqlTransaction

    async def erase_person(self, subject: Subject) -> None:
        await anonymise(self.tx, _votes, of_accounts(subject, _votes.c.user_id), "user_id")
        authored = of_accounts(subject, _entries.c.author_id, _entries.c.author_platform)
        await set_values(self.tx, _entries, authored, {"author_id": None, "author_platform": None})

    async def export_person(self, subject: Subject) -> dict[str, Any]:
        return await export_tables(
            self.tx,
            [
                (_votes, of_accounts(subject, _votes.c.user_id)),
                (_entries, of_accounts(subject, _entries.c.author_id, _entries.c.author_platform)),
            ],
        )

    async def expire_data(self, retention: Retention, now: datetime) -> None:
        """Unanswered questions nobody asked again for ``faq`` days go."""
        cutoff = retention.cutoff("faq", now)
        await self.tx.execute(delete(_unanswered).where(_unanswered.c.last_at < cutoff))
