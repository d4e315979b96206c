"""The built wheel installs one top-level package, ``townsquare``, holding every module and
data file of the layout's folders, and works from there with no checkout on the path."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("core", "adapters", "storage", "migrations", "bots", "web")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("townsquare-*.whl")
    return built


def _names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_the_wheel_has_only_townsquare_at_the_top_level(wheel: Path) -> None:
    tops = {name.split("/")[0] for name in _names(wheel)}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"townsquare"}


def test_every_file_of_the_layout_is_in_the_wheel(wheel: Path) -> None:
    names = _names(wheel)
    wanted = {
        f"townsquare/{path.relative_to(ROOT).as_posix()}"
        for folder in FOLDERS
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and path.suffix in {".py", ".po", ".toml", ".mako"}
    }
    assert len(wanted) > 150
    assert wanted - names == set()
    assert "townsquare/__init__.py" in names


def test_the_installed_wheel_runs_without_the_checkout(wheel: Path, tmp_path: Path) -> None:
    """Unpacked on its own path, run from elsewhere: the CLI and its migrations work."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    config = tmp_path / "bots.toml"
    config.write_text(
        '[storage]\nurl = "sqlite+aiosqlite:///town.db"\n'
        '[[bots]]\nname = "c"\nplatform = "console"\n'
    )
    program = (
        "import sys, townsquare\n"
        "from townsquare import Feature, on, command, Context\n"
        "from townsquare.bots.cli import main\n"
        f"assert townsquare.__file__.startswith({str(site)!r}), townsquare.__file__\n"
        "assert not any(m in sys.modules for m in ('core', 'storage', 'bots', 'migrations'))\n"
        f"sys.exit(main(['db', 'upgrade', {str(config)!r}]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "town.db").stat().st_size > 0
