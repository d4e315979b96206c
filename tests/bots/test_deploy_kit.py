"""The deployment kit works as shipped: every example passes ``townsquare check``, commented
config lines are valid TOML once uncommented, ``init`` writes a file that checks, and the
Dockerfile, compose.yaml and systemd unit are parsed and their command lines run here (no
Docker daemon: the image's command, the migrate and bots services and the health check
run as local processes against PostgreSQL and the fake Bot API)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fakes.telegram.server import FakeBotApi
from townsquare.bots.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
TOKENS = {
    "TELEGRAM_BOT_TOKEN": "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr",
    "DISCORD_BOT_TOKEN": "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GabcDe.abcdefghijklmnopqrstuvwxyz0123456",
    "SLACK_BOT_TOKEN": "xoxb-1234567890-abcdefghij",
    "SLACK_SIGNING_SECRET": "0123456789abcdef0123456789abcdef",
    "TOWNSQUARE_DATABASE_URL": "postgresql+asyncpg://townsquare@127.0.0.1/townsquare",
}
COMMENTED_KEY = re.compile(r"^#\s?((\[\[?[a-z.]+\]\]?)|([A-Za-z_][A-Za-z0-9_.-]* = .*))$")
"""A commented-out config line (``# key = value``, ``# [section]``), not prose."""


def test_there_is_an_example_per_platform_and_a_combined_one() -> None:
    names = {path.stem for path in EXAMPLES}
    assert {"telegram", "discord", "slack", "console", "combined", "docker"} <= names


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_each_example_passes_check(
    example: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    assert main(["check", str(example)]) == 0, capsys.readouterr().err
    assert "OK" in capsys.readouterr().out


def commented_config_lines(text: str) -> list[str]:
    return [match.group(1) for line in text.splitlines() if (match := COMMENTED_KEY.match(line))]


@pytest.mark.parametrize(
    "path",
    [*EXAMPLES, ROOT / "bots" / "starter.toml"],
    ids=lambda path: path.name,
)
def test_commented_lines_are_valid_toml_once_uncommented(path: Path) -> None:
    lines = commented_config_lines(path.read_text())
    assert lines or path.stem in ("console", "docker")
    for line in lines:
        tomllib.loads(line)  # raises, naming the line, if not


def test_readme_commented_config_lines_are_valid_toml() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```toml\n(.*?)```", readme, flags=re.S)
    for line in commented_config_lines("\n".join(blocks)):
        tomllib.loads(line)


def test_init_writes_a_starter_that_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "townsquare.toml"
    assert main(["init", str(target)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert main(["check", str(target)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["init", str(target)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"{target}: (file): already exists (add --force to overwrite it)"
    )
    assert main(["init", str(target), "--force"]) == 0


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            instructions.append((word.upper(), rest.strip()))
    return instructions


def exec_form(arguments: str) -> list[str]:
    parsed = json.loads(arguments)
    assert isinstance(parsed, list), "exec form, so SIGTERM reaches townsquare"
    return [str(item) for item in parsed]


def test_dockerfile_is_non_root_with_every_platform() -> None:
    instructions = dockerfile()
    words = [word for word, _ in instructions]
    assert words[0] == "FROM"
    user = [rest for word, rest in instructions if word == "USER"]
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert words.index("USER") < words.index("CMD")
    runs = " ".join(rest for word, rest in instructions if word == "RUN")
    assert 'pip install ".[all]"' in runs
    copied = {rest.split()[0] for word, rest in instructions if word == "COPY"}
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
    for package in packages:
        assert package.rstrip("*") in copied, f"{package} is installed but not copied"
    for source in copied:
        assert (ROOT / source).exists(), source
    assert exec_form(dict(instructions)["ENTRYPOINT"]) == ["townsquare"]


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def compose_value(text: str, env: dict[str, str]) -> str:
    """Compose's own ``${VAR:-default}`` interpolation."""
    return re.sub(
        r"\$\{(\w+)(?::-([^}]*))?\}",
        lambda match: env.get(match.group(1), match.group(2) or ""),
        text,
    )


def test_compose_runs_migrations_before_the_bots_on_postgresql() -> None:
    services = compose()["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["bots"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["migrate"]["command"][:2] == ["db", "upgrade"]
    assert services["bots"]["command"][0] == "run"
    for name in ("migrate", "bots"):
        volume = services[name]["volumes"][0]
        source, target, _mode = volume.split(":")
        assert (ROOT / source).is_file() and target == services[name]["command"][-1]
        url = services[name]["environment"]["TOWNSQUARE_DATABASE_URL"]
        assert compose_value(url, {}).startswith("postgresql+asyncpg://townsquare:townsquare@")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_image_and_compose_command_lines_run_here(
    postgres_url: str, tmp_path: Path
) -> None:
    """compose's migrate command, then its bots command (the image's ENTRYPOINT + CMD),
    then the image's HEALTHCHECK, as local processes: the database host is the local
    PostgreSQL instead of the ``postgres`` service, Telegram is the fake Bot API and the
    web port is a free one instead of 8080."""
    services = compose()["services"]
    instructions = dockerfile()
    port = free_port()
    config = tmp_path / "townsquare.toml"
    config.write_text(
        (ROOT / "examples" / "docker.toml")
        .read_text()
        .replace('listen = "0.0.0.0:8080"', f'listen = "127.0.0.1:{port}"')
    )
    api = await FakeBotApi().start()
    env = {
        **os.environ,
        "TOWNSQUARE_DATABASE_URL": postgres_url,
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": api.url,
    }
    townsquare = exec_form(dict(instructions)["ENTRYPOINT"])
    here = (
        [sys.executable, "-m", "townsquare.bots.cli"]
        if townsquare == ["townsquare"]
        else townsquare
    )
    try:
        migrate = [*services["migrate"]["command"][:-1], str(config)]
        upgrade = await asyncio.create_subprocess_exec(
            *here, *migrate, env=env, stdout=asyncio.subprocess.PIPE
        )
        async with asyncio.timeout(120):
            out, _err = await upgrade.communicate()
        assert upgrade.returncode == 0
        assert b"applied" in out
        run = [*exec_form(dict(instructions)["CMD"])[:-1], str(config)]
        assert run == [*services["bots"]["command"][:-1], str(config)]
        process = await asyncio.create_subprocess_exec(
            *here, *run, env=env, stderr=asyncio.subprocess.PIPE
        )
        assert process.stderr is not None
        try:
            async with asyncio.timeout(60):
                while b"running 1 bot(s)" not in await process.stderr.readline():
                    pass
            check = exec_form(
                dict(instructions)["HEALTHCHECK"].split(" CMD ", 1)[1].replace("8080", str(port))
            )
            assert check[0] == "python"
            health = await asyncio.create_subprocess_exec(sys.executable, *check[1:])
            assert await health.wait() == 0
        finally:
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(60):
                rest = await process.stderr.read()
                assert await process.wait() == 0, rest.decode()
    finally:
        await api.close()


def unit() -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    for line in (ROOT / "deploy" / "townsquare.service").read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            entries.setdefault(key.strip(), []).append(value.strip())
    return entries


def test_the_systemd_unit(tmp_path: Path) -> None:
    entries = unit()
    assert entries["User"] == ["townsquare"]
    assert entries["RestartPreventExitStatus"] == ["2"], "a config mistake is not restarted"
    binary = shlex.split(entries["ExecStart"][0])[0]
    installed = ROOT / ".venv" / "bin" / "townsquare"
    text = (ROOT / "deploy" / "townsquare.service").read_text()
    if shutil.which("systemd-analyze") and installed.exists():
        local = tmp_path / "townsquare.service"
        local.write_text(text.replace(binary, str(installed)))
        verified = subprocess.run(
            ["systemd-analyze", "verify", str(local)], capture_output=True, text=True, timeout=60
        )
        assert verified.returncode == 0, verified.stderr
    # ExecStartPre, with the example config and the example environment file.
    env_file = dict(
        line.split("=", 1)
        for line in (ROOT / "examples" / "townsquare.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert set(env_file) <= {*TOKENS, "TOWNSQUARE_DATABASE_URL"}
    pre = shlex.split(entries["ExecStartPre"][0])
    assert pre[1] == "check" and pre[0] == binary
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "townsquare.bots.cli",
            "check",
            str(ROOT / "examples" / "combined.toml"),
        ],
        env={**os.environ, **TOKENS},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
