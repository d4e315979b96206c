"""Privacy hooks of analytics (:mod:`core.privacy`): analytics stores no names and no
platform ids, only person ids (who was active on which day, who joined when); a
forgotten member's rows go. The day counters and the rollup of distinct people are
counts and stay as they were, so past figures do not change; a cohort's size drops by
the one forgotten newcomer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, delete

from townsquare.core.privacy import Retention, Subject
from townsquare.storage.analytics_models import (
    AnalyticsActiveRow,
    AnalyticsCaseRow,
    AnalyticsDayRow,
    AnalyticsGapRow,
    AnalyticsNewcomerRow,
)
from townsquare.storage.privacy import erase_rows, export_tables, of_persons
from townsquare.storage.store import SqlTransaction

_days: Table = AnalyticsDayRow.__table__  # type: ignore[assignment]
_active: Table = AnalyticsActiveRow.__table__  # type: ignore[assignment]
_newcomers: Table = AnalyticsNewcomerRow.__table__  # type: ignore[assignment]
_cases: Table = AnalyticsCaseRow.__table__  # type: ignore[assignment]
_gaps: Table = AnalyticsGapRow.__table__  # type: ignore[assignment]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def day_number(at: datetime) -> int:
    """``at``'s UTC day as a date ordinal (as the feature counts days)."""
    return (at - _EPOCH).days + _EPOCH.toordinal()


class AnalyticsPersonalData:
    tx: SqlTransaction

    async def erase_person(self, subject: Subject) -> None:
        await erase_rows(self.tx, _active, of_persons(subject, _active.c.person))
        await erase_rows(self.tx, _newcomers, of_persons(subject, _newcomers.c.person))

    async def export_person(self, subject: Subject) -> dict[str, Any]:
        return await export_tables(
            self.tx,
            [
                (_active, of_persons(subject, _active.c.person)),
                (_newcomers, of_persons(subject, _newcomers.c.person)),
            ],
        )

    async def expire_data(self, retention: Retention, now: datetime) -> None:
        """Every scope's days older than ``analytics`` days go (today counts as one)."""
        cutoff = retention.cutoff("analytics", now)
        before = day_number(now) - retention.of("analytics") + 1
        for table in (_days, _active, _gaps, _newcomers):
            await self.tx.execute(delete(table).where(table.c.day < before))
        await self.tx.execute(delete(_cases).where(_cases.c.opened_at < cutoff))
