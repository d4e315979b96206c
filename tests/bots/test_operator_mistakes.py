"""Every ordinary operator mistake ends in one line naming the key or the fix, exit code 2
and no traceback, from ``check`` and ``run`` alike; ``check`` finds each one that needs no
network. Most cases call ``bots.cli.main`` in this process (an escaping exception would
fail the test like a traceback would); a few run the real command to see stderr whole."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from townsquare.bots.cli import main

CONSOLE = '[[bots]]\nname = "local"\nplatform = "console"\n'
GOOD_TELEGRAM = "123456:TEST-token-for-the-fake-api-000000"


def write(tmp_path: Path, body: str, name: str = "bots.toml") -> str:
    path = tmp_path / name
    path.write_text(body)
    return str(path)


def sqlite(tmp_path: Path) -> str:
    return f'[storage]\nurl = "sqlite+aiosqlite:///{tmp_path / "town.db"}"\n'


def outcome(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit:  # argparse
        code = int(exit.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The one line ``townsquare ARGV`` printed on stderr when it exited 2."""
    code, out, err = outcome(capsys, *argv)
    assert code == 2, (code, out, err)
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def both(capsys: pytest.CaptureFixture[str], config: str) -> str:
    """``check`` and ``run`` refuse ``config`` with the same line."""
    line = refused(capsys, "check", config)
    assert refused(capsys, "run", config) == line
    return line


def telegram(token: str) -> str:
    return f'[[bots]]\nname = "tg"\nplatform = "telegram"\ntoken = "{token}"\n'


def test_a_telegram_token_of_the_wrong_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = both(capsys, write(tmp_path, sqlite(tmp_path) + telegram("abc") + CONSOLE))
    assert "bots[0] (tg).token: does not look like a token" in line
    assert "@BotFather" in line and "abc" not in line.split("token:", 1)[1]


@pytest.mark.parametrize(
    ("platform", "extra", "needle"),
    [
        ("discord", "", "three dot-separated parts"),
        ("slack", 'signing_secret = "s"\n', "starts with xoxb-"),
    ],
)
def test_discord_and_slack_token_shapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], platform: str, extra: str, needle: str
) -> None:
    body = f'[[bots]]\nname = "b"\nplatform = "{platform}"\ntoken = "abc"\n{extra}'
    line = both(capsys, write(tmp_path, sqlite(tmp_path) + body))
    assert "bots[0] (b).token: does not look like a token: " in line and needle in line


def test_a_token_with_a_line_break(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write(tmp_path, sqlite(tmp_path) + telegram("${TOKEN}"))
    monkeypatch.setenv("TOKEN", GOOD_TELEGRAM + "\n")
    line = refused(capsys, "check", config)
    assert "bots[0] (tg).token: has spaces or a line break around it" in line


@pytest.mark.parametrize(
    ("written", "fix"),
    [
        ("${TELEGRAM BOT TOKEN}", "write ${TELEGRAM_BOT_TOKEN}"),
        ("$TELEGRAM_BOT_TOKEN", "write ${TELEGRAM_BOT_TOKEN} (braces are required"),
        ("${TELEGRAM_BOT_TOKEN", "is missing its closing brace: write ${TELEGRAM_BOT_TOKEN}"),
        ("${A B}", "is not a variable name"),
    ],
)
def test_malformed_variables_are_never_taken_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str, fix: str
) -> None:
    line = both(capsys, write(tmp_path, sqlite(tmp_path) + telegram(written)))
    assert line.startswith(f"{tmp_path / 'bots.toml'}: bots[0] (tg).token: ")
    assert fix in line


def test_every_unset_variable_is_listed_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = (
        sqlite(tmp_path)
        + telegram("${NO_TG_TOKEN}")
        + '[[bots]]\nname = "s"\nplatform = "slack"\ntoken = "${NO_SLACK_TOKEN}"\n'
        + 'signing_secret = "${NO_SLACK_SECRET}"\n'
    )
    code, _out, err = outcome(capsys, "check", write(tmp_path, body))
    assert code == 2 and "Traceback" not in err
    assert [line.split(": ", 1)[1] for line in err.strip().splitlines()] == [
        "bots[0] (tg).token: ${NO_TG_TOKEN} is not set (export NO_TG_TOKEN=... before starting)",
        "bots[1] (s).token: ${NO_SLACK_TOKEN} is not set (export NO_SLACK_TOKEN=... before "
        "starting)",
        "bots[1] (s).signing_secret: ${NO_SLACK_SECRET} is not set (export NO_SLACK_SECRET=... "
        "before starting)",
    ]


def test_unknown_keys_get_a_suggestion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = '[storage]\nulr = "x"\n' + telegram(GOOD_TELEGRAM) + "pol_timeout = 5\n"
    code, _out, err = outcome(capsys, "check", write(tmp_path, body))
    assert code == 2
    lines = [line.split(": ", 1)[1] for line in err.strip().splitlines()]
    assert lines == [
        "storage.ulr: unknown key; did you mean url?",
        "bots[0] (tg).pol_timeout: unknown key; did you mean poll_timeout?",
    ]


def test_messages_are_in_the_operators_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = '[[bots]]\nname = "my bot!"\nplatform = "console"\n'
    line = refused(capsys, "check", write(tmp_path, body))
    assert "bots[0] (my bot!).name: use letters, digits" in line
    assert "pattern" not in line and "^[" not in line


@pytest.mark.parametrize(
    ("platform", "module", "extra"),
    [("telegram", "aiogram", "telegram"), ("discord", "discord", "discord")],
)
def test_a_missing_extra_names_the_pip_install(
    tmp_path: Path, platform: str, module: str, extra: str
) -> None:
    token = GOOD_TELEGRAM if platform == "telegram" else "M" * 24 + ".GabcDe." + "x" * 27
    body = sqlite(tmp_path) + f'[[bots]]\nname = "b"\nplatform = "{platform}"\ntoken = "{token}"\n'
    config = write(tmp_path, body)
    for command in ("check", "run"):
        result = without_module(module, command, config)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert result.stderr.strip() == (
            f"{config}: bots[0] (b).platform: {platform!r} needs {module}, which is not "
            f"installed: pip install 'townsquare[{extra}]'"
        )


def test_postgresql_without_asyncpg(tmp_path: Path) -> None:
    config = write(tmp_path, '[storage]\nurl = "postgresql+asyncpg://u@127.0.0.1/db"\n' + CONSOLE)
    for command in ("check", "run"):
        result = without_module("asyncpg", command, config)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.strip().endswith(
            "storage.url: PostgreSQL needs asyncpg, which is not installed: "
            "pip install 'townsquare[postgres]'"
        )


def without_module(module: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """``townsquare ARGV`` in a Python where ``module`` cannot be imported."""
    code = (
        f"import sys; sys.modules[{module!r}] = None; from bots.cli import main; "
        f"raise SystemExit(main({list(argv)!r}))"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_sqlite_in_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no" / "such"
    body = f'[storage]\nurl = "sqlite+aiosqlite:///{missing}/town.db"\n' + CONSOLE
    line = both(capsys, write(tmp_path, body))
    assert line.endswith(
        f"storage.url: the folder {missing} does not exist (create it: mkdir -p {missing}, "
        "or point url at an existing folder)"
    )
    assert not missing.exists()


def test_sqlite_in_a_folder_nobody_may_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    if os.access(folder, os.W_OK):
        pytest.skip("this user (root) may write anywhere")
    body = f'[storage]\nurl = "sqlite+aiosqlite:///{folder}/town.db"\n' + CONSOLE
    assert "is not writable by this user" in both(capsys, write(tmp_path, body))


def test_listen_addresses_and_durations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = (
        sqlite(tmp_path)
        + telegram(GOOD_TELEGRAM)
        + 'mode = "webhook"\nwebhook_url = "https://x.example/hook"\nwebhook_secret = "s"\n'
        + 'listen = "8443"\npoll_timeout = 0\n'
    )
    code, _out, err = outcome(capsys, "check", write(tmp_path, body))
    assert code == 2
    assert [line.split(": ", 1)[1] for line in err.strip().splitlines()] == [
        "bots[0] (tg).listen: '8443' must look like host:port, e.g. 127.0.0.1:8080",
        "bots[0] (tg).poll_timeout: must be from 1 to 300 seconds (got 0); 30 is usual",
    ]
    web = sqlite(tmp_path) + '[web]\nlisten = "127.0.0.1:80800"\n' + CONSOLE
    assert refused(capsys, "check", write(tmp_path, web)).endswith(
        "web.listen: '127.0.0.1:80800': the port must be a number from 1 to 65535"
    )


def test_a_bad_log_level(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(tmp_path, sqlite(tmp_path) + CONSOLE)
    line = refused(capsys, "--log-level", "foo", "check", config)
    assert line == (
        "townsquare: argument --log-level: 'foo' is not a log level; use one of DEBUG, INFO, "
        "WARNING, ERROR, CRITICAL (see `townsquare --help`)"
    )


def test_global_options_after_the_subcommand(tmp_path: Path) -> None:
    config = write(tmp_path, sqlite(tmp_path) + CONSOLE)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "townsquare.bots.cli",
            "db",
            "upgrade",
            config,
            "--log-format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "townsquare.bots.cli", "check", config, "--log-level", "debug"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "OK" in result.stdout, result.stderr


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = outcome(capsys, "--version")
    assert code == 0 and out.strip() == "townsquare 0.1.0"


def test_the_config_file_itself(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert refused(capsys, "check", str(tmp_path / "nope.toml")).endswith("(file): not found")
    broken = write(tmp_path, "[[bots]\nname=")
    assert "(file): not valid TOML: " in refused(capsys, "run", broken)
    assert refused(capsys, "check", write(tmp_path, "")).endswith(
        'bots: add at least one [[bots]] table (name = "...", platform = "...")'
    )
