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


def revision_lines(revisions: frozenset[str]) -> list[str]:
    """``0010 (onboarding: welcome and rules)`` for each revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    described = []
    for revision in sorted(revisions):
        found = script.get_revision(revision)
        doc = (found.doc or "").strip().splitlines()[0] if found is not None and found.doc else ""
        described.append(f"{revision} ({doc})" if doc else revision)
    return described


def missing_revisions(current: frozenset[str]) -> frozenset[str]:
    """Revisions that ``upgrade heads`` would apply to a database at ``current``."""
    script = ScriptDirectory.from_config(alembic_config())
    parents: dict[str, tuple[str, ...]] = {}
    for found in script.walk_revisions():
        down = found.down_revision
        parents[found.revision] = (
            () if down is None else (down,) if isinstance(down, str) else tuple(down)
        )

    def ancestry(revisions: frozenset[str]) -> set[str]:
        seen: set[str] = set()
        todo = list(revisions)
        while todo:
            revision = todo.pop()
            if revision not in seen:
                seen.add(revision)
                todo.extend(parents.get(revision, ()))
        return seen

    return frozenset(ancestry(head_revisions()) - ancestry(current))
