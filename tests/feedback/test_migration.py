"""Migration 0150 builds exactly the feedback models' tables, on SQLite and PostgreSQL,
and its branch goes down and up again on its own."""

from __future__ import annotations

from tests.storage.branches import assert_branch_migrates
from townsquare.storage.feedback_models import (
    FeedbackBoardRow,
    FeedbackChangeRow,
    FeedbackDraftRow,
    FeedbackIdeaRow,
    FeedbackNoticeRow,
    FeedbackPostRow,
    FeedbackTeamRow,
    FeedbackVoteRow,
)

ROWS = (
    FeedbackIdeaRow,
    FeedbackVoteRow,
    FeedbackPostRow,
    FeedbackChangeRow,
    FeedbackNoticeRow,
    FeedbackDraftRow,
    FeedbackBoardRow,
    FeedbackTeamRow,
)


async def test_migration_0150_matches_the_models_and_downgrades(database_url: str) -> None:
    await assert_branch_migrates(database_url, branch="feedback", head="0150", rows=ROWS)
