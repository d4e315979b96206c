"""``db current`` only reads and says when the schema is behind (exit 1); ``db upgrade``
says which revisions it applied; a relative SQLite path is the config file's folder's,
whatever the working directory (as under systemd)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from townsquare.storage.database import create_engine
from townsquare.storage.migrate import alembic_config, head_revisions, upgrade


def townsquare(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "townsquare.bots.cli", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[2]), "PATH": "/usr/bin:/bin"},
    )


def config_in(folder: Path, url: str = "sqlite+aiosqlite:///data/town.db") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bots.toml"
    path.write_text(f'[storage]\nurl = "{url}"\n[[bots]]\nname = "c"\nplatform = "console"\n')
    return path


async def at_first_revision(database: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        await upgrade(engine, "0001")
    finally:
        await engine.dispose()


def test_db_current_when_behind_and_db_upgrade_says_what_changed(tmp_path: Path) -> None:
    config = config_in(tmp_path / "etc")
    (tmp_path / "etc" / "data").mkdir()
    database = tmp_path / "etc" / "data" / "town.db"
    asyncio.run(at_first_revision(database))
    script = ScriptDirectory.from_config(alembic_config())
    missing = sorted({found.revision for found in script.walk_revisions()} - {"0001"})
    assert set(head_revisions()) <= set(missing)

    behind = townsquare("db", "current", str(config))
    assert behind.returncode == 1, behind.stderr
    assert behind.stdout.strip() == (
        f"0001 (behind: {len(missing)} revision(s) to apply: {', '.join(sorted(missing))}; "
        f"run `townsquare db upgrade {config}`)"
    )
    upgraded = townsquare("db", "upgrade", str(config))
    assert upgraded.returncode == 0, upgraded.stderr
    lines = upgraded.stdout.splitlines()
    assert lines[0].endswith(f"applied {len(missing)} revision(s):")
    assert [line.split()[0] for line in lines[1:]] == sorted(missing)
    assert all("(" in line for line in lines[1:]), "each revision says what it is"
    current = townsquare("db", "current", str(config))
    assert current.returncode == 0 and current.stdout.strip().endswith("(current)")


def test_relative_sqlite_paths_follow_the_config_file(tmp_path: Path) -> None:
    config = config_in(tmp_path / "etc")
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    refused = townsquare("db", "upgrade", str(config), cwd=elsewhere)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"{config}: storage.url: the folder {tmp_path / 'etc' / 'data'} does not exist "
        f"(create it: mkdir -p {tmp_path / 'etc' / 'data'}, or point url at an existing folder)"
    )
    (tmp_path / "etc" / "data").mkdir()
    absent = townsquare("db", "current", str(config), cwd=elsewhere)
    assert absent.returncode == 1
    assert absent.stdout.startswith(f"no database at {tmp_path / 'etc' / 'data' / 'town.db'}")
    assert not (tmp_path / "etc" / "data" / "town.db").exists()
    assert townsquare("db", "upgrade", str(config), cwd=elsewhere).returncode == 0
    assert (tmp_path / "etc" / "data" / "town.db").exists()
    assert list(elsewhere.iterdir()) == [], "nothing is created in the working directory"
