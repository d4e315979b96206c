"""Run Alembic migrations programmatically on an async engine.

``townsquare run`` upgrades a SQLite database by itself (it belongs to this process) but
refuses a PostgreSQL database that is behind, because several processes may share it and
an operator should choose the moment: :class:`SchemaBehind` names the command to run.

Alembic is imported only when there is something to do: a start whose database is
already current (every start but the first after an upgrade) compares the stored
revisions with the heads the scripts declare, read with :mod:`ast` without importing
them (Alembic, Mako and the scripts cost about 11 MiB resident and a tenth of a second of
start-up).

Features from plugins may bring Alembic branches of their own (:mod:`bots.plugins`): each
function takes ``locations``, the extra versions folders, which join this package's
``migrations/versions`` in ``version_locations``. A revision in the database that no folder
declares (a plugin disabled or uninstalled after its migration ran) belongs to a feature
that is not running: it is left as it is and never counts as the schema being behind.
"""

from __future__ import annotations

import ast
import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
VERSIONS = MIGRATIONS / "versions"

Locations = Sequence[Path]
"""Versions folders of plugin features, besides :data:`VERSIONS`."""


class SchemaBehind(RuntimeError):
    pass


def alembic_config(locations: Locations = ()) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    folders = [VERSIONS, *locations]
    config.set_main_option(
        "version_locations", os.pathsep.join(str(f).replace("%", "%%") for f in folders)
    )
    return config


def _script(locations: Locations) -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(locations))


def head_revisions(locations: Locations = ()) -> frozenset[str]:
    """The newest revision of every branch (features may add independent branches)."""
    return frozenset(_script(locations).get_heads())


def known_revisions(locations: Locations = ()) -> frozenset[str]:
    """Every revision the scripts declare (Alembic's reading)."""
    return frozenset(found.revision for found in _script(locations).walk_revisions())


def declared_revisions(folder: Path) -> dict[str, tuple[str, ...]] | None:
    """Each revision of ``folder`` with its parents, read from the scripts' ``revision``
    and ``down_revision`` literals without importing Alembic or the scripts; None when a
    script declares them otherwise (Alembic then decides)."""
    declared_in: dict[str, tuple[str, ...]] = {}
    for path in folder.glob("*.py"):
        if path.name.startswith((".#", "__init__")):  # what Alembic skips
            continue
        stat = path.stat()
        found = _script_revision(path, stat.st_mtime_ns, stat.st_size)
        if found is None:
            return None
        declared_in[found[0]] = found[1]
    return declared_in


@functools.cache
def _script_revision(path: Path, _mtime_ns: int, _size: int) -> tuple[str, tuple[str, ...]] | None:
    """A script's ``revision`` and its parents, or None when they are not literals; kept
    per file version (its modification time and size), as a start reads each folder three
    times (two feature checks and the schema check)."""
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
    if isinstance(down, str):
        return revision, (down,)
    if isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
        return revision, tuple(down)
    if down is None:
        return revision, ()
    return None


def _declared(folders: Sequence[Path]) -> dict[str, tuple[str, ...]] | None:
    merged: dict[str, tuple[str, ...]] = {}
    for folder in folders:
        found = declared_revisions(folder)
        if found is None:
            return None
        merged.update(found)
    return merged


def declared_heads(folder: Path = VERSIONS, locations: Locations = ()) -> frozenset[str] | None:
    """:func:`head_revisions` as the scripts of ``folder`` and ``locations`` declare them
    (see :func:`declared_revisions`); None when Alembic must decide."""
    declared = _declared([folder, *locations])
    if declared is None:
        return None
    parents = {parent for ups in declared.values() for parent in ups}
    return frozenset(set(declared) - parents)


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


async def upgrade(engine: AsyncEngine, revision: str = "heads", locations: Locations = ()) -> None:
    """Apply what is missing, in one transaction. Revisions stored that no script declares
    (see the module docstring) are set aside around Alembic, which would refuse them, and
    put back."""
    from alembic import command

    def run(connection: Any) -> None:
        config = alembic_config(locations)
        config.attributes["connection"] = connection
        foreign = _stored(connection) - known_revisions(locations)
        if foreign:
            connection.execute(
                text("DELETE FROM alembic_version WHERE version_num IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": sorted(foreign)},
            )
        command.upgrade(config, revision)
        if foreign:
            connection.execute(
                text("INSERT INTO alembic_version (version_num) VALUES (:id)"),
                [{"id": found} for found in sorted(foreign)],
            )

    async with engine.begin() as connection:
        await connection.run_sync(run)


def _stored(connection: Any) -> frozenset[str]:
    if not inspect(connection).has_table("alembic_version"):
        return frozenset()
    rows = connection.execute(text("SELECT version_num FROM alembic_version"))
    return frozenset(str(row[0]) for row in rows)


async def ensure_current(
    engine: AsyncEngine, *, auto_upgrade: bool, config_path: str, locations: Locations = ()
) -> None:
    """Upgrade (SQLite) or refuse to start (PostgreSQL) when the schema is behind."""
    declared = _declared([VERSIONS, *locations])
    if declared:
        parents = {parent for ups in declared.values() for parent in ups}
        stored = await stored_revisions(engine)
        if stored is not None and stored & declared.keys() == set(declared) - parents:
            return  # current: no need for Alembic
    if await current_revisions(engine) & known_revisions(locations) == head_revisions(locations):
        return
    if auto_upgrade:
        await upgrade(engine, locations=locations)
        return
    raise SchemaBehind(
        "the database schema is behind this version of townsquare or of a plugin; "
        f"run `townsquare db upgrade {config_path}` first"
    )


def revision_lines(revisions: frozenset[str], locations: Locations = ()) -> list[str]:
    """``0010 (onboarding: welcome and rules)`` for each revision, oldest first."""
    script = _script(locations)
    described = []
    for revision in sorted(revisions):
        found = script.get_revision(revision)
        doc = (found.doc or "").strip().splitlines()[0] if found is not None and found.doc else ""
        described.append(f"{revision} ({doc})" if doc else revision)
    return described


def missing_revisions(current: frozenset[str], locations: Locations = ()) -> frozenset[str]:
    """Revisions that ``upgrade heads`` would apply to a database at ``current``."""
    script = _script(locations)
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

    return frozenset(ancestry(head_revisions(locations)) - ancestry(current))
