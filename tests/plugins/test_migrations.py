"""A plugin's own Alembic branch: ``townsquare db upgrade`` applies it next to
townsquare's, and a database that holds a revision of a plugin no longer installed (or
disabled) still starts and upgrades."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from townsquare.bots.config import parse_config
from townsquare.bots.db_cli import db_command
from townsquare.storage.database import create_engine
from townsquare.storage.migrate import (
    SchemaBehind,
    current_revisions,
    ensure_current,
    head_revisions,
    upgrade,
)


@pytest.fixture
def example_on_path(installed_example: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The example installed, as if into this environment (its entry point is found)."""
    monkeypatch.syspath_prepend(str(installed_example))
    yield installed_example / "townsquare_karma" / "migrations"
    for name in [name for name in sys.modules if name.startswith("townsquare_karma")]:
        del sys.modules[name]


async def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            names: list[str] = await connection.run_sync(
                lambda sync: inspect(sync).get_table_names()
            )
        return set(names)
    finally:
        await engine.dispose()


async def test_db_upgrade_applies_the_plugins_branch(
    example_on_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = parse_config(
        {"storage": {"url": database_url}, "bots": [{"name": "c", "platform": "console"}]}, {}, "t"
    )
    assert await db_command("current", config, "bots.toml") == 1
    capsys.readouterr()
    assert await db_command("upgrade", config, "bots.toml") == 0
    out = capsys.readouterr().out
    assert "  karma_0001 (karma: one row per thanks given)" in out.splitlines()
    assert await db_command("current", config, "bots.toml") == 0
    assert "karma_thanks" in await tables(database_url)
    engine = create_engine(database_url)
    try:
        assert await current_revisions(engine) == head_revisions() | {"karma_0001"}
        # Disabled: the plugin's revision is left alone and nothing counts as behind.
        off = parse_config(
            {
                "storage": {"url": database_url},
                "features": {"disable": ["karma"]},
                "bots": [{"name": "c", "platform": "console"}],
            },
            {},
            "t",
        )
        capsys.readouterr()
        assert await db_command("current", off, "bots.toml") == 0
        await ensure_current(engine, auto_upgrade=False, config_path="bots.toml")
    finally:
        await engine.dispose()


async def test_a_revision_of_a_plugin_not_installed_never_blocks(
    example_on_path: Path, database_url: str
) -> None:
    """The plugin's branch alone first; then townsquare without the plugin upgrades the
    rest, keeping the plugin's revision, and sees the schema as current."""
    engine = create_engine(database_url)
    try:
        await upgrade(engine, "karma@head", locations=[example_on_path])
        assert await current_revisions(engine) == {"karma_0001"}
        with pytest.raises(SchemaBehind):
            await ensure_current(engine, auto_upgrade=False, config_path="bots.toml")
        await upgrade(engine)  # without the plugin's folder
        assert await current_revisions(engine) == head_revisions() | {"karma_0001"}
        await ensure_current(engine, auto_upgrade=False, config_path="bots.toml")
        await ensure_current(
            engine, auto_upgrade=False, config_path="bots.toml", locations=[example_on_path]
        )
    finally:
        await engine.dispose()
