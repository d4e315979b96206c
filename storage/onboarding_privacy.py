"""Privacy hooks of onboarding (:mod:`core.privacy`): a forgotten newcomer's row goes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table

from townsquare.core.privacy import Retention, Subject
from townsquare.storage.onboarding_models import OnboardingNewcomerRow
from townsquare.storage.privacy import erase_rows, export_tables, of_accounts
from townsquare.storage.store import SqlTransaction

_newcomers: Table = OnboardingNewcomerRow.__table__  # type: ignore[assignment]


class OnboardingPersonalData:
    tx: SqlTransaction

    def _mine(self, subject: Subject) -> Any:
        return of_accounts(subject, _newcomers.c.user_id, _newcomers.c.platform)

    async def erase_person(self, subject: Subject) -> None:
        await erase_rows(self.tx, _newcomers, self._mine(subject))

    async def export_person(self, subject: Subject) -> dict[str, Any]:
        return await export_tables(self.tx, [(_newcomers, self._mine(subject))])

    async def expire_data(self, retention: Retention, now: datetime) -> None:
        return None  # a newcomer's row is decided within minutes and kept small
