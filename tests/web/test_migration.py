"""Migration 0180 builds exactly the dashboard's tables, on SQLite and PostgreSQL, and its
branch goes down and up again on its own."""

from __future__ import annotations

from tests.storage.branches import assert_branch_migrates
from townsquare.storage.web_models import WebGrantRow, WebLoginTokenRow, WebSessionRow

ROWS = (WebLoginTokenRow, WebSessionRow, WebGrantRow)


async def test_migration_0180_matches_the_models_and_downgrades(database_url: str) -> None:
    await assert_branch_migrates(database_url, branch="web", head="0180", rows=ROWS)
