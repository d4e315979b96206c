"""Privacy hooks of feedback (:mod:`core.privacy`): a forgotten member's ideas stay on the
board with their authorship anonymised (no submitter, no name), their votes keep counting
under anonymous keys (and are no longer told of status changes), their drafts and
pending notices go, and status changes they made name the pseudonym."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, delete, or_

from townsquare.core.privacy import Retention, Subject
from townsquare.storage.feedback_models import (
    FeedbackChangeRow,
    FeedbackDraftRow,
    FeedbackIdeaRow,
    FeedbackNoticeRow,
    FeedbackVoteRow,
)
from townsquare.storage.privacy import (
    anonymise,
    erase_rows,
    export_tables,
    of_accounts,
    set_values,
)
from townsquare.storage.store import SqlTransaction

_ideas: Table = FeedbackIdeaRow.__table__  # type: ignore[assignment]
_votes: Table = FeedbackVoteRow.__table__  # type: ignore[assignment]
_changes: Table = FeedbackChangeRow.__table__  # type: ignore[assignment]
_notices: Table = FeedbackNoticeRow.__table__  # type: ignore[assignment]
_drafts: Table = FeedbackDraftRow.__table__  # type: ignore[assignment]


def keys(subject: Subject) -> list[str]:
    """The keys feedback files a member under: ``p<person>`` and ``a:<platform>:<id>``."""
    return sorted(
        {
            *(f"p{person}" for person in subject.person_ids),
            *(f"a:{a.platform}:{a.user_id}" for a in subject.accounts),
        }
    )


class FeedbackPersonalData:
    tx: SqlTransaction

    def _parts(self, subject: Subject) -> list[tuple[Table, Any]]:
        mine = keys(subject)
        return [
            (
                _ideas,
                or_(
                    _ideas.c.submitter.in_(mine),
                    of_accounts(subject, _ideas.c.submitter_user_id, _ideas.c.submitter_platform),
                ),
            ),
            (
                _votes,
                or_(
                    _votes.c.voter.in_(mine),
                    of_accounts(subject, _votes.c.user_id, _votes.c.platform),
                ),
            ),
            (_changes, _changes.c.by.in_(mine)),
            (
                _notices,
                or_(
                    _notices.c.recipient.in_(mine),
                    of_accounts(subject, _notices.c.user_id, _notices.c.platform),
                ),
            ),
            (
                _drafts,
                or_(
                    _drafts.c.author.in_(mine),
                    of_accounts(subject, _drafts.c.user_id, _drafts.c.platform),
                ),
            ),
        ]

    async def erase_person(self, subject: Subject) -> None:
        ideas, votes, changes, notices, drafts = self._parts(subject)
        gone = {"submitter_user_id": "", "submitter_name": ""}
        await anonymise(self.tx, _ideas, ideas[1], "submitter", gone)
        await anonymise(self.tx, _votes, votes[1], "voter", {"user_id": "", "display_name": ""})
        await set_values(self.tx, _changes, changes[1], {"by": subject.pseudonym})
        await erase_rows(self.tx, _notices, notices[1])
        await erase_rows(self.tx, _drafts, drafts[1])

    async def export_person(self, subject: Subject) -> dict[str, Any]:
        return await export_tables(self.tx, self._parts(subject))

    async def expire_data(self, retention: Retention, now: datetime) -> None:
        """Ideas done or declined more than ``feedback`` days ago go, with their votes."""
        cutoff = retention.cutoff("feedback", now)
        closed = and_(_ideas.c.status.in_(("done", "declined")), _ideas.c.status_at < cutoff)
        await self.tx.execute(delete(_ideas).where(closed))
        await self.tx.execute(delete(_drafts).where(_drafts.c.created_at < cutoff))
