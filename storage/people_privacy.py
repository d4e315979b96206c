"""Privacy hooks of people (:mod:`core.privacy`): a forgotten member's accounts, their
person, their ``/link`` codes and attempts go (run last: the other features have read
the person before)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, or_

from townsquare.core.privacy import Retention, Subject
from townsquare.storage.people_models import (
    LinkAttemptRow,
    LinkCodeRow,
    PersonAccountRow,
    PersonRow,
)
from townsquare.storage.privacy import erase_rows, export_tables, of_accounts, of_persons
from townsquare.storage.store import SqlTransaction

_persons: Table = PersonRow.__table__  # type: ignore[assignment]
_accounts: Table = PersonAccountRow.__table__  # type: ignore[assignment]
_codes: Table = LinkCodeRow.__table__  # type: ignore[assignment]
_attempts: Table = LinkAttemptRow.__table__  # type: ignore[assignment]


class PeoplePersonalData:
    tx: SqlTransaction

    def _parts(self, subject: Subject) -> list[tuple[Table, Any]]:
        return [
            (
                _accounts,
                or_(
                    of_persons(subject, _accounts.c.person_id),
                    of_accounts(subject, _accounts.c.user_id, _accounts.c.platform),
                ),
            ),
            (_codes, of_accounts(subject, _codes.c.user_id, _codes.c.platform)),
            (_attempts, of_accounts(subject, _attempts.c.user_id, _attempts.c.platform)),
            (
                _persons,
                or_(
                    of_persons(subject, _persons.c.id), of_persons(subject, _persons.c.merged_into)
                ),
            ),
        ]

    async def erase_person(self, subject: Subject) -> None:
        for table, condition in self._parts(subject):
            await erase_rows(self.tx, table, condition)

    async def export_person(self, subject: Subject) -> dict[str, Any]:
        return await export_tables(self.tx, self._parts(subject))

    async def expire_data(self, retention: Retention, now: datetime) -> None:
        """``/link`` codes and lockouts older than ``people`` days go."""
        cutoff = retention.cutoff("people", now)
        await self.tx.execute(delete(_codes).where(_codes.c.expires_at < cutoff))
        await self.tx.execute(
            delete(_attempts).where(
                or_(_attempts.c.window_started_at.is_(None), _attempts.c.window_started_at < cutoff)
            )
        )
