"""Privacy hooks of analytics (:mod:`core.privacy`): analytics stores no names; it keeps
person ids (who was active on which day, who joined when, who was thanked), a digest of
each question's asker and the account whose reply answered it first. A forgotten
member's person rows go; their questions and answers keep counting without them. The
day counters and the rollup of distinct people are counts and stay as they were, so past
figures do not change; a cohort's size drops by the one forgotten newcomer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, delete

from townsquare.core.analytics.rules import account_digest
from townsquare.core.privacy import Retention, Subject
from townsquare.storage.analytics_models import (
    AnalyticsActiveRow,
    AnalyticsCaseRow,
    AnalyticsDayRow,
    AnalyticsGapRow,
    AnalyticsNewcomerRow,
    AnalyticsQuestionRow,
    AnalyticsShippedRow,
    AnalyticsThanksRow,
)
from townsquare.storage.privacy import (
    erase_rows,
    export_tables,
    of_accounts,
    of_persons,
    set_values,
)
from townsquare.storage.store import SqlTransaction

_days: Table = AnalyticsDayRow.__table__  # type: ignore[assignment]
_active: Table = AnalyticsActiveRow.__table__  # type: ignore[assignment]
_newcomers: Table = AnalyticsNewcomerRow.__table__  # type: ignore[assignment]
_cases: Table = AnalyticsCaseRow.__table__  # type: ignore[assignment]
_gaps: Table = AnalyticsGapRow.__table__  # type: ignore[assignment]
_questions: Table = AnalyticsQuestionRow.__table__  # type: ignore[assignment]
_thanks: Table = AnalyticsThanksRow.__table__  # type: ignore[assignment]
_shipped: Table = AnalyticsShippedRow.__table__  # type: ignore[assignment]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def day_number(at: datetime) -> int:
    """``at``'s UTC day as a date ordinal (as the feature counts days)."""
    return (at - _EPOCH).days + _EPOCH.toordinal()


def _digests(subject: Subject) -> list[str]:
    return sorted(account_digest(a.platform, a.user_id) for a in subject.accounts)


class AnalyticsPersonalData:
    tx: SqlTransaction

    async def erase_person(self, subject: Subject) -> None:
        await erase_rows(self.tx, _active, of_persons(subject, _active.c.person))
        await erase_rows(self.tx, _newcomers, of_persons(subject, _newcomers.c.person))
        await erase_rows(self.tx, _thanks, of_persons(subject, _thanks.c.person))
        asked = _questions.c.asker.in_(_digests(subject))
        await set_values(self.tx, _questions, asked, {"asker": "-"})
        answered = of_accounts(subject, _questions.c.answerer_id, _questions.c.answerer_platform)
        values = {"answerer_platform": None, "answerer_id": None}
        await set_values(self.tx, _questions, answered, values)

    async def export_person(self, subject: Subject) -> dict[str, Any]:
        return await export_tables(
            self.tx,
            [
                (_active, of_persons(subject, _active.c.person)),
                (_newcomers, of_persons(subject, _newcomers.c.person)),
                (_thanks, of_persons(subject, _thanks.c.person)),
                (_questions, _questions.c.asker.in_(_digests(subject))),
                (
                    _questions,
                    of_accounts(subject, _questions.c.answerer_id, _questions.c.answerer_platform),
                ),
            ],
        )

    async def expire_data(self, retention: Retention, now: datetime) -> None:
        """Every scope's days older than ``analytics`` days go (today counts as one)."""
        cutoff = retention.cutoff("analytics", now)
        before = day_number(now) - retention.of("analytics") + 1
        for table in (_days, _active, _gaps, _newcomers, _thanks, _shipped):
            await self.tx.execute(delete(table).where(table.c.day < before))
        await self.tx.execute(delete(_cases).where(_cases.c.opened_at < cutoff))
        await self.tx.execute(delete(_questions).where(_questions.c.asked_at < cutoff))
