"""Migration 0110 builds exactly the giveaways models' tables, on SQLite and PostgreSQL,
and its branch goes down and up again on its own."""

from __future__ import annotations

from tests.storage.branches import assert_branch_migrates
from townsquare.storage.giveaways_models import (
    GiveawayEntryRow,
    GiveawayLevelRow,
    GiveawayPostRow,
    GiveawayRoundRow,
    GiveawayRow,
)

ROWS = (GiveawayRow, GiveawayPostRow, GiveawayEntryRow, GiveawayRoundRow, GiveawayLevelRow)


async def test_migration_0110_matches_the_models_and_downgrades(database_url: str) -> None:
    await assert_branch_migrates(database_url, branch="giveaways", head="0110", rows=ROWS)
