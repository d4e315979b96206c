"""Migration 0155 builds exactly the GitHub link's tables, on SQLite and PostgreSQL, and
its branch goes down and up again on its own."""

from __future__ import annotations

from tests.storage.branches import assert_branch_migrates
from townsquare.storage.github_models import GithubDeliveryRow, GithubIssueRow


async def test_migration_0155_matches_the_models_and_downgrades(database_url: str) -> None:
    await assert_branch_migrates(
        database_url, branch="github", head="0155", rows=[GithubIssueRow, GithubDeliveryRow]
    )
