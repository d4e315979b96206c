"""Mistakes only the network shows: an unreachable or missing database, a token the
platform refuses. ``check --online`` finds them, ``run`` and ``discord sync`` refuse them in
one line (exit 2, no traceback); ``console CONFIG`` never connects the file's other bots.
The platforms are the project's loopback fakes; the commands run as real processes."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.fakes.discord import FakeDiscord
from tests.fakes.slack.server import FakeSlack
from tests.fakes.telegram.server import FakeBotApi

DISCORD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GabcDe.abcdefghijklmnopqrstuvwxyz0123456"
CONSOLE = '[[bots]]\nname = "local"\nplatform = "console"\n'


async def townsquare(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "townsquare.bots.cli",
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(120):
        out, err = await process.communicate(stdin.encode())
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def refused(*argv: str) -> str:
    code, out, err = await townsquare(*argv)
    assert code == 2, (code, out, err)
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def write(tmp_path: Path, body: str) -> str:
    path = tmp_path / "bots.toml"
    path.write_text(body)
    return str(path)


def storage(url: str) -> str:
    return f'[storage]\nurl = "{url}"\n'


async def test_a_closed_port_and_a_missing_database(tmp_path: Path) -> None:
    closed = write(tmp_path, storage("postgresql+asyncpg://postgres@127.0.0.1:1/town") + CONSOLE)
    assert (await townsquare("check", closed))[0] == 0, "check alone does not connect"
    for command in (("check", "--online"), ("run",), ("db", "current"), ("db", "upgrade")):
        line = await refused(*command, closed)
        assert line == (
            f"{closed}: storage.url: nothing answers on 127.0.0.1:1 (is PostgreSQL running "
            "there? check host and port)"
        )


async def test_a_postgresql_database_that_does_not_exist(tmp_path: Path) -> None:
    from tests.conftest import postgres_base_url

    base = postgres_base_url()
    if base is None:
        import pytest

        pytest.skip("PostgreSQL not reachable on 127.0.0.1:5432")
    from sqlalchemy.engine import make_url

    url = make_url(base).set(database="townsquare_no_such_db_8c1f").render_as_string(False)
    config = write(tmp_path, storage(url) + CONSOLE)
    for command in (("check", "--online"), ("run",)):
        line = await refused(*command, config)
        assert line.endswith(
            'storage.url: the database "townsquare_no_such_db_8c1f" does not exist on '
            f"{make_url(base).host}:{make_url(base).port or 5432} (create it: createdb "
            "townsquare_no_such_db_8c1f, or fix the name in url)"
        )


async def test_check_online_tries_each_platforms_token(tmp_path: Path) -> None:
    sqlite = storage(f"sqlite+aiosqlite:///{tmp_path / 'town.db'}")
    async with FakeDiscord(token=DISCORD_TOKEN) as discord:
        api = await FakeBotApi().start()
        slack = await FakeSlack().start()
        try:
            bots = (
                f'[[bots]]\nname = "tg"\nplatform = "telegram"\ntoken = "${{TG}}"\n'
                f'api_url = "{api.url}"\n'
                f'[[bots]]\nname = "dc"\nplatform = "discord"\ntoken = "${{DC}}"\n'
                f'api_url = "{discord.base_url}"\n'
                f'[[bots]]\nname = "sl"\nplatform = "slack"\ntoken = "${{SL}}"\n'
                f'signing_secret = "s"\napi_url = "{slack.url}"\n'
            )
            config = write(tmp_path, sqlite + bots)
            good = {"TG": api.token, "DC": DISCORD_TOKEN, "SL": slack.token}
            code, out, err = await with_env(good, "check", "--online", config)
            assert code == 0, err
            assert "OK (database and tokens tried)" in out
            wrong = {
                "TG": "999999:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                "DC": DISCORD_TOKEN[:-4] + "WXYZ",
                "SL": "xoxb-0000000000-wrong",
            }
            code, _out, err = await with_env(wrong, "check", "--online", config)
            assert code == 2 and "Traceback" not in err
            assert [line.split(": ", 1)[1] for line in err.strip().splitlines()] == [
                "bots[0] (tg).token: Telegram refused this token (Unauthorized); copy it again "
                "from @BotFather (/token)",
                "bots[1] (dc).token: Discord refused this token (401: Unauthorized); copy it "
                "again from the Developer Portal (Bot, Reset Token)",
                "bots[2] (sl).token: Slack refused this token (invalid_auth); copy it again "
                "from the app's OAuth & Permissions page",
            ]
            assert not (tmp_path / "town.db").exists(), "checking never creates the database"
        finally:
            await api.close()
            await slack.close()


async def with_env(env: dict[str, str], *argv: str) -> tuple[int, str, str]:
    import os

    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        return await townsquare(*argv)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


async def test_discord_sync_with_a_wrong_token(tmp_path: Path) -> None:
    async with FakeDiscord(token=DISCORD_TOKEN) as discord:
        body = (
            storage(f"sqlite+aiosqlite:///{tmp_path / 'town.db'}")
            + '[[bots]]\nname = "dc"\nplatform = "discord"\ntoken = "${DC}"\n'
            + f'api_url = "{discord.base_url}"\ngateway_url = "{discord.gateway_url}"\n'
        )
        config = write(tmp_path, body)
        code, out, err = await with_env({"DC": DISCORD_TOKEN}, "discord", "sync", config)
        assert (code, out) == (0, "dc: 0 commands synced\n"), err
        assert "WARNING" not in err, "no warning nobody can act on (intents, PyNaCl, davey)"
        wrong = {"DC": DISCORD_TOKEN[:-4] + "WXYZ"}
        code, out, err = await with_env(wrong, "discord", "sync", config)
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    line = err.strip()
    assert line.endswith(
        "bots[0] (dc).token: Discord refused this token (401); copy it again from the "
        "Developer Portal (Applications, your app, Bot, Reset Token)"
    )


async def test_console_runs_only_the_console_bot(tmp_path: Path) -> None:
    api = await FakeBotApi().start()
    try:
        body = (
            storage(f"sqlite+aiosqlite:///{tmp_path / 'town.db'}")
            + f'[[bots]]\nname = "tg"\nplatform = "telegram"\ntoken = "{api.token}"\n'
            + f'api_url = "{api.url}"\npoll_timeout = 1\n'
            + CONSOLE
        )
        code, out, err = await townsquare("console", write(tmp_path, body), stdin="/help\n:quit\n")
        assert code == 0, err
        assert "/help" in out
        assert api.calls == [], "the Telegram bot of the same file was never started"
    finally:
        await api.close()
