"""Migrations 0150 and 0151 build exactly the feedback models' tables, on SQLite and PostgreSQL,
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
    FeedbackTeamCodeRow,
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
    FeedbackTeamCodeRow,
)


async def test_migrations_0150_0151_match_the_models_and_downgrades(database_url: str) -> None:
    await assert_branch_migrates(database_url, branch="feedback", head="0151", rows=ROWS)
