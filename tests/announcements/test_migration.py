"""Migration 0130 builds exactly the announcements model's table, on SQLite and
PostgreSQL, and its branch goes down and up again on its own."""

from __future__ import annotations

from tests.storage.branches import assert_branch_migrates
from townsquare.storage.announcements_models import AnnouncementRow


async def test_migration_0130_matches_the_model_and_downgrades(database_url: str) -> None:
    await assert_branch_migrates(
        database_url, branch="announcements", head="0130", rows=[AnnouncementRow]
    )
