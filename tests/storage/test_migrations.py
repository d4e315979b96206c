"""Alembic's ``upgrade head`` must build exactly the models' schema, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from townsquare.storage.database import create_engine
from townsquare.storage.migrate import current_revisions, ensure_current, head_revisions, upgrade
from townsquare.storage.schema import metadata


async def test_upgrade_head_matches_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine)

        def diff(connection: Any) -> list[Any]:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))

        async with engine.connect() as connection:
            differences = await connection.run_sync(diff)
        assert differences == []
        assert await current_revisions(engine) == head_revisions()
    finally:
        await engine.dispose()


async def test_sqlite_is_upgraded_automatically_postgres_is_refused(database_url: str) -> None:
    import pytest

    from townsquare.storage.migrate import SchemaBehind

    engine = create_engine(database_url)
    try:
        if engine.dialect.name == "sqlite":
            await ensure_current(engine, auto_upgrade=True, config_path="bot.toml")
            assert await current_revisions(engine) == head_revisions()
        else:
            with pytest.raises(SchemaBehind, match=r"townsquare db upgrade bot\.toml"):
                await ensure_current(engine, auto_upgrade=False, config_path="bot.toml")
            assert await current_revisions(engine) == frozenset()
    finally:
        await engine.dispose()
