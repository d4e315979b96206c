"""Privacy hooks of polls (:mod:`core.privacy`): a forgotten member's votes keep counting
under an anonymous key, without their name; polls they created name the pseudonym."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, delete

from townsquare.core.privacy import Retention, Subject
from townsquare.storage.polls_models import PollRow, PollVoteRow
from townsquare.storage.privacy import anonymise, export_tables, of_accounts, set_values
from townsquare.storage.store import SqlTransaction

_polls: Table = PollRow.__table__  # type: ignore[assignment]
_votes: Table = PollVoteRow.__table__  # type: ignore[assignment]


class PollsPersonalData:
    tx: SqlTransaction

    async def erase_person(self, subject: Subject) -> None:
        mine = of_accounts(subject, _votes.c.user_id)
        await anonymise(self.tx, _votes, mine, "user_id", {"display_name": ""})
        created = of_accounts(subject, _polls.c.created_by, _polls.c.platform)
        await set_values(self.tx, _polls, created, {"created_by": subject.pseudonym})

    async def export_person(self, subject: Subject) -> dict[str, Any]:
        return await export_tables(
            self.tx,
            [
                (_votes, of_accounts(subject, _votes.c.user_id)),
                (_polls, of_accounts(subject, _polls.c.created_by, _polls.c.platform)),
            ],
        )

    async def expire_data(self, retention: Retention, now: datetime) -> None:
        """Polls closed longer ago than ``polls`` days go, with their votes."""
        cutoff = retention.cutoff("polls", now)
        old = and_(_polls.c.closed_at.is_not(None), _polls.c.closed_at < cutoff)
        await self.tx.execute(delete(_polls).where(old))
