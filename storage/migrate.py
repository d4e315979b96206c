"""Run Alembic migrations programmatically on an async engine.

``townsquare run`` upgrades a SQLite database by itself (it belongs to this process) but
refuses a PostgreSQL database that is behind, because several processes may share it and
an operator should choose the moment: :class:`SchemaBehind` names the command to run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class SchemaBehind(RuntimeError):
    pass


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revisions() -> frozenset[str]:
    """The newest revision of every branch (features may add independent branches)."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def current_revisions(engine: AsyncEngine) -> frozenset[str]:
    def read(connection: Any) -> frozenset[str]:
        return frozenset(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as connection:
        revisions: frozenset[str] = await connection.run_sync(read)
        return revisions


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    def run(connection: Any) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def ensure_current(engine: AsyncEngine, *, auto_upgrade: bool, config_path: str) -> None:
    """Upgrade (SQLite) or refuse to start (PostgreSQL) when the schema is behind."""
    if await current_revisions(engine) == head_revisions():
        return
    if auto_upgrade:
        await upgrade(engine)
        return
    raise SchemaBehind(
        "the database schema is behind this version of townsquare; "
        f"run `townsquare db upgrade {config_path}` first"
    )
