"""Run Alembic migrations programmatically on an async engine.

``townsquare run`` upgrades a SQLite database by itself (it belongs to this process) but
refuses a PostgreSQL database that is behind, because several processes may share it and
an operator should choose the moment: :class:`SchemaBehind` names the command to run.

Alembic is imported only when there is something to do: a start whose database is
already current (every start but the first after an upgrade) compares the stored
revisions with the heads the scripts declare, read with :mod:`ast` without importing
them (Alembic, Mako and the scripts cost about 11 MiB resident and a tenth of a second of
start-up).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class SchemaBehind(RuntimeError):
    pass


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revisions() -> frozenset[str]:
    """The newest revision of every branch (features may add independent branches)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def declared_heads(folder: Path = MIGRATIONS / "versions") -> frozenset[str] | None:
    """:func:`head_revisions` as the scripts declare them (``revision`` and
    ``down_revision`` literals), read without importing Alembic or the scripts; None when
    a script declares them otherwise (Alembic then decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in folder.glob("*.py"):
        if path.name.startswith((".#", "__init__")):  # what Alembic skips
            continue
        declared: dict[str, Any] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                name, value = node.target.id, node.value
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                name, value = (target.id if isinstance(target, ast.Name) else ""), node.value
            else:
                continue
            if name in ("revision", "down_revision") and value is not None:
                try:
                    declared[name] = ast.literal_eval(value)
                except ValueError:
                    return None
        revision, down = declared.get("revision"), declared.get("down_revision")
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
            parents.update(down)
        elif down is not None:
            return None
    return frozenset(revisions - parents)


async def stored_revisions(engine: AsyncEngine) -> frozenset[str] | None:
    """The revisions in Alembic's version table, read without Alembic; None when it
    cannot be read (no table yet: Alembic decides)."""
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return frozenset(str(row[0]) for row in rows)
    except Exception:  # a missing table, or anything Alembic itself will report
        return None


async def current_revisions(engine: AsyncEngine) -> frozenset[str]:
    from alembic.runtime.migration import MigrationContext

    def read(connection: Any) -> frozenset[str]:
        return frozenset(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as connection:
        revisions: frozenset[str] = await connection.run_sync(read)
        return revisions


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    from alembic import command

    def run(connection: Any) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


async def ensure_current(engine: AsyncEngine, *, auto_upgrade: bool, config_path: str) -> None:
    """Upgrade (SQLite) or refuse to start (PostgreSQL) when the schema is behind."""
    declared = declared_heads()
    if declared is not None and declared and await stored_revisions(engine) == declared:
        return  # current: no need for Alembic
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
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    described = []
    for revision in sorted(revisions):
        found = script.get_revision(revision)
        doc = (found.doc or "").strip().splitlines()[0] if found is not None and found.doc else ""
        described.append(f"{revision} ({doc})" if doc else revision)
    return described


def missing_revisions(current: frozenset[str]) -> frozenset[str]:
    """Revisions that ``upgrade heads`` would apply to a database at ``current``."""
    from alembic.script import ScriptDirectory

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
