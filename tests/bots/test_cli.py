"""The ``townsquare`` command line as an operator uses it (real subprocesses)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

TOWNSQUARE = [sys.executable, "-m", "townsquare.bots.cli"]


def townsquare(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TOWNSQUARE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def write_config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "bots.toml"
    path.write_text(
        f"""
[storage]
url = "sqlite+aiosqlite:///{tmp_path / "town.db"}"

[[bots]]
name = "local"
platform = "console"
{extra}
"""
    )
    return path


def test_demo_prints_a_transcript() -> None:
    result = townsquare("demo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "→ Bob joined" in out
    assert "Bob: /help" in out
    assert "Sorry, only managers can use /settings." in out
    assert "Unknown command /dance. Try `/help`." in out
    assert "Bob: /vote 1 2\ntownbot › Vote moved" in out
    assert "Poll #1 closed: Where do we meet? → Library (2 voters)" in out
    assert "(private to Dan) A seat freed up: you are now going to #1 Board games night" in out
    help_for_bob = out.split("Bob: /help", 1)[1].split("Alice: /help", 1)[0]
    assert "/help" in help_for_bob and "/settings" not in help_for_bob


def test_check_reports_ok_and_errors(tmp_path: Path) -> None:
    ok = townsquare("check", str(write_config(tmp_path)))
    assert ok.returncode == 0 and "OK" in ok.stdout
    bad = townsquare("check", str(write_config(tmp_path, 'colour = "red"')))
    assert bad.returncode == 2
    assert "bots[0] (local).colour: unknown key" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_db_upgrade_and_current(tmp_path: Path) -> None:
    config = str(write_config(tmp_path))
    missing = townsquare("db", "current", config)
    assert missing.returncode == 1 and "no database at" in missing.stdout
    assert not (tmp_path / "town.db").exists(), "db current never creates the database"
    upgraded = townsquare("db", "upgrade", config)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "applied" in upgraded.stdout and "0001 (initial schema)" in upgraded.stdout
    current = townsquare("db", "current", config)
    assert current.returncode == 0 and "(current)" in current.stdout
    again = townsquare("db", "upgrade", config)
    assert "nothing changed" in again.stdout


def test_run_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    process = subprocess.Popen(
        [*TOWNSQUARE, "run", str(config)],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if "running 1 bot(s)" in line:
            break
    process.send_signal(signal.SIGTERM)
    remaining = process.stderr.read()
    assert process.wait(timeout=60) == 0, remaining
    assert "stopped" in remaining


def test_console_lets_you_switch_member() -> None:
    session = "\n".join(["/settings", ":as Bob", "/settings", ":join Dan", "hello", ":quit", ""])
    result = subprocess.run(
        [*TOWNSQUARE, "console"], input=session, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "you are alice (a manager)" in out
    first, second = out.split("(you are now Bob)")
    assert "Settings" in first
    assert "Sorry, only managers can use /settings." in second
