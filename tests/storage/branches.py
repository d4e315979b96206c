"""One check for every feature's migration branch: ``upgrade head`` builds exactly the
feature's models, and the branch goes down to ``0001`` and up again on its own."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, inspect

from townsquare.storage.database import create_engine
from townsquare.storage.migrate import alembic_config, current_revisions, upgrade


def _metadata(rows: Iterable[Any]) -> MetaData:
    """The given models' tables alone."""
    metadata = MetaData()
    for row in rows:
        row.__table__.to_metadata(metadata)
    return metadata


async def assert_branch_migrates(
    database_url: str, *, branch: str, head: str, rows: Iterable[Any]
) -> None:
    """``branch``'s tables after ``upgrade head`` (which must include ``head``) equal the
    models ``rows``; downgrading ``branch@0001`` drops them and nothing of another branch
    (the polls stay), and upgrading again rebuilds them the same."""
    ours = _metadata(rows)
    tables = set(ours.tables)

    def diff(connection: Any) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, _parent: kind != "table" or name in tables,
            },
        )
        return list(compare_metadata(context, ours))

    def down(connection: Any) -> set[str]:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, f"{branch}@0001")
        return set(inspect(connection).get_table_names())

    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        assert head in await current_revisions(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(diff) == []
        async with engine.begin() as connection:
            left = await connection.run_sync(down)
        assert not tables & left, f"the {branch} branch left {sorted(tables & left)}"
        assert "polls" in left, f"more than the {branch} branch went down"
        await upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(diff) == []
    finally:
        await engine.dispose()
