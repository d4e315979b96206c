"""A start whose database is current needs no Alembic: the heads are read from the
scripts' declarations and must be the ones Alembic finds."""

from __future__ import annotations

import ast
import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from townsquare.storage import migrate
from townsquare.storage.database import create_engine
from townsquare.storage.migrate import declared_heads, head_revisions, upgrade

ROOT = Path(__file__).resolve().parents[2]


def test_declared_heads_are_alembics_heads() -> None:
    assert declared_heads() == head_revisions()


def test_a_script_declared_otherwise_leaves_it_to_alembic(tmp_path: Path) -> None:
    (tmp_path / "0001_a.py").write_text('revision = "0001"\ndown_revision = None\n')
    (tmp_path / "0002_b.py").write_text('revision: str = "0002"\ndown_revision = "0001"\n')
    (tmp_path / "0003_c.py").write_text('revision = "0003"\ndown_revision = ("0001",)\n')
    assert declared_heads(tmp_path) == frozenset({"0002", "0003"})
    (tmp_path / "0004_d.py").write_text('revision = make_id()\ndown_revision = "0002"\n')
    assert declared_heads(tmp_path) is None


def test_a_folder_read_again_parses_only_the_scripts_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A start reads each versions folder three times; unchanged scripts are parsed once,
    and an edited one is read again."""
    (tmp_path / "0001_a.py").write_text('revision = "0001"\ndown_revision = None\n')
    (tmp_path / "0002_b.py").write_text('revision = "0002"\ndown_revision = "0001"\n')
    parsed: list[str] = []
    parse = ast.parse

    def counted(source: str, *args: Any, **kwargs: Any) -> Any:
        parsed.append(source)
        return parse(source, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counted)
    assert migrate.declared_revisions(tmp_path) == {"0001": (), "0002": ("0001",)}
    assert migrate.declared_revisions(tmp_path) == {"0001": (), "0002": ("0001",)}
    assert len(parsed) == 2
    (tmp_path / "0002_b.py").write_text('revision = "0002"\ndown_revision = ("0001", "x")\n')
    assert migrate.declared_revisions(tmp_path) == {"0001": (), "0002": ("0001", "x")}
    assert len(parsed) == 3


async def _migrated(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def test_a_current_database_starts_without_importing_alembic(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'current.db'}"
    asyncio.run(_migrated(url))
    code = (
        "import asyncio, sys\n"
        "from storage.database import create_engine\n"
        "from storage.migrate import ensure_current\n"
        "async def main():\n"
        f"    engine = create_engine({url!r})\n"
        "    await ensure_current(engine, auto_upgrade=False, config_path='x.toml')\n"
        "    await engine.dispose()\n"
        "asyncio.run(main())\n"
        "print('alembic' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "False"
