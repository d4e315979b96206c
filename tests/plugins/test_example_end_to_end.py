"""The example plugin of ``examples/plugin``, installed with pip into a folder of its own
and found through its entry point: a real ``townsquare run`` process against the fake
Bot API applies its migration branch and answers its command; and the example's own
tests pass against this checkout."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.plugins.conftest import EXAMPLE, ROOT

TOWNSQUARE = [sys.executable, "-m", "townsquare.bots.cli"]


def environment(installed: Path, **extra: str) -> dict[str, str]:
    """This checkout first, then the example's folder (its dist-info holds the entry point)."""
    path = os.pathsep.join(filter(None, [str(ROOT), str(installed), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, **extra}


def reply(text: str, user: dict[str, object], to: dict[str, object]) -> dict[str, object]:
    update = p.command(text, user)
    update["message"]["reply_to_message"] = p.message("restart the router", to, 9)["message"]
    return update


async def test_townsquare_run_applies_its_migration_and_answers_its_command(
    installed_example: Path, api: FakeBotApi, tmp_path: Path
) -> None:
    database = tmp_path / "town.db"
    config = tmp_path / "bots.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite+aiosqlite:///{database}"\n\n'
        '[[bots]]\nname = "tg"\nplatform = "telegram"\ntoken = "${TG_TOKEN}"\n'
        f'api_url = "{api.url}"\npoll_timeout = 1\n'
    )
    env = environment(installed_example, TG_TOKEN=api.token)
    check = await asyncio.create_subprocess_exec(
        *TOWNSQUARE, "check", str(config), env=env, stdout=asyncio.subprocess.PIPE
    )
    listed, _ = await asyncio.wait_for(check.communicate(), 60)
    assert check.returncode == 0
    assert listed.decode().rstrip().endswith("; plugins: karma")
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    process = await asyncio.create_subprocess_exec(
        *TOWNSQUARE, "run", str(config), env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        await api.push(reply("/karma", p.ADMIN, p.ALICE))
        await api.push(reply("/karma", p.ADMIN, p.ALICE))  # the same message again
        await api.push(p.command("/karma top", p.EVE))
        await api.push(p.command("/help", p.EVE))
        sent = await api.wait_for("sendMessage", 4, timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        _out, errors = await asyncio.wait_for(process.communicate(), 60)
    log = errors.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log and " ERROR " not in log, log
    thanked, again, top, help_text = (call["text"] for call in sent)
    assert thanked == (
        f'<b>Olga</b> thanked <a href="tg://user?id={p.ALICE["id"]}">'
        f"{p.ALICE['first_name']}</a>: karma 1."
    )
    assert again == "You already thanked them for that message."
    assert top == f"<b>Most thanked:</b>\n1. {p.ALICE['first_name']} — 1"
    assert "/karma" in help_text, "a plugin's command is in /help"
    with sqlite3.connect(database) as db:
        revisions = {row[0] for row in db.execute("SELECT version_num FROM alembic_version")}
        rows = db.execute("SELECT giver_id, receiver_id FROM karma_thanks").fetchall()
    assert "karma_0001" in revisions
    assert rows == [(str(p.ADMIN["id"]), str(p.ALICE["id"]))]


def test_the_examples_own_tests_pass(installed_example: Path, tmp_path: Path) -> None:
    """``pytest`` in ``examples/plugin``, as its author runs it (on this checkout)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE / "tests")],
        cwd=EXAMPLE,
        env=environment(installed_example),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout and "failed" not in done.stdout, done.stdout
