"""A new kind of action is a type error wherever actions are dispatched by kind.

Each place that turns an action into platform calls (or a lane) ends its ``match`` with
``assert_never``; this test adds an action kind to a copy of the tree and asks mypy, so a
dispatch that quietly falls through to a default is caught."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("core", "adapters", "storage", "migrations", "bots", "web")

DISPATCHES = {
    "townsquare/adapters/telegram/outbound.py",
    "townsquare/adapters/discord/transport.py",
    "townsquare/adapters/slack/transport.py",
    "townsquare/adapters/console/outbound.py",
    "townsquare/storage/outbox.py",
}

NEW_KIND = """

@dataclass(frozen=True, slots=True)
class ProbeAction:
    bot: str
    kind: Literal["probe_action"] = "probe_action"
"""


@pytest.mark.timeout(600)
def test_every_dispatch_over_actions_rejects_an_unhandled_kind(tmp_path: Path) -> None:
    package = tmp_path / "townsquare"
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, package / folder, ignore=shutil.ignore_patterns("__py*"))
    shutil.copy(ROOT / "townsquare" / "__init__.py", package / "__init__.py")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    actions = package / "core" / "actions.py"
    source = actions.read_text(encoding="utf-8")
    assert "Action = (\n    SendMessage\n" in source
    source = source.replace(
        "Action = (\n    SendMessage\n",
        NEW_KIND + "\n\nAction = (\n    ProbeAction\n    | SendMessage\n",
    )
    actions.write_text(source, encoding="utf-8")

    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=540,
    )
    unhandled = {
        match.group(1)
        for match in re.finditer(
            r"^(\S+\.py):\d+: error: Argument 1 to \"assert_never\" has incompatible type "
            r"\"ProbeAction\"",
            checked.stdout,
            re.M,
        )
    }
    assert unhandled >= DISPATCHES, checked.stdout[-3000:]
