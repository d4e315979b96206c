"""Migration 0150 builds exactly the feedback models' tables, on SQLite and PostgreSQL,
and its branch goes down and up again on its own."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, inspect

from townsquare.storage.database import create_engine
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
from townsquare.storage.migrate import alembic_config, current_revisions, upgrade

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
TABLES = {row.__tablename__ for row in ROWS}


def _ours() -> MetaData:
    """The feedback tables alone, as the models declare them."""
    metadata = MetaData()
    for row in ROWS:
        row.__table__.to_metadata(metadata)  # type: ignore[attr-defined]
    return metadata


async def test_migration_0150_matches_the_models_and_downgrades(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        assert "0150" in await current_revisions(engine)

        def diff(connection: Any) -> list[Any]:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, kind, _parent: kind != "table" or name in TABLES,
                },
            )
            return list(compare_metadata(context, _ours()))

        async with engine.connect() as connection:
            assert await connection.run_sync(diff) == []

        def down(connection: Any) -> set[str]:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "feedback@0001")
            return set(inspect(connection).get_table_names())

        async with engine.begin() as connection:
            left = await connection.run_sync(down)
        assert not TABLES & left and "polls" in left, "only the feedback branch went down"
        await upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(diff) == []
    finally:
        await engine.dispose()
