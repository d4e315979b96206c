"""``[feedback.github]``: bad values exit 2 with one line naming the key and the fix, and
the token is never printed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.github.server import SECRET, TOKEN
from townsquare.bots.config import ConfigError, parse_config, secrets_of

ROOT = Path(__file__).resolve().parents[2]
WEB = {"listen": "127.0.0.1:8080", "public_url": "https://bots.example.org"}
BOTS = [{"name": "c", "platform": "console"}]


def parsed(github: dict[str, str], web: dict[str, str] | None = None) -> list[tuple[str, str]]:
    data = {"web": WEB if web is None else web, "feedback": {"github": github}, "bots": BOTS}
    try:
        parse_config(data, {}, "t.toml")
    except ConfigError as error:
        return error.problems
    return []


def good(**changes: str) -> dict[str, str]:
    return {"repo": "acme/app", "token": TOKEN, "webhook_secret": SECRET, **changes}


def test_a_good_table_parses_with_github_com_as_the_default_api() -> None:
    config = parse_config({"web": WEB, "feedback": {"github": good()}, "bots": BOTS}, {}, "t.toml")
    github = config.feedback.github
    assert github is not None and github.base_url == "https://api.github.com"
    assert TOKEN in secrets_of(config) and SECRET in secrets_of(config)
    assert TOKEN not in repr(config)


def test_without_the_table_nothing_is_needed() -> None:
    config = parse_config({"bots": BOTS}, {}, "t.toml")
    assert config.feedback.github is None


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        ({"repo": "acme"}, "feedback.github.repo", "owner/name"),
        ({"repo": "acme/app/x"}, "feedback.github.repo", "owner/name"),
        ({"token": "hunter2-not-a-token"}, "feedback.github.token", "GitHub token"),
        ({"token": ""}, "feedback.github.token", "is empty"),
        ({"webhook_secret": "short"}, "feedback.github.webhook_secret", "at least 16"),
        ({"api_url": "ftp://x"}, "feedback.github.api_url", "URL"),
        ({"repos": "acme/app"}, "feedback.github.repos", "did you mean repo"),
    ],
)
def test_a_bad_value_names_the_key_and_the_fix(
    changes: dict[str, str], key: str, words: str
) -> None:
    problems = parsed(good(**changes))
    assert [k for k, _m in problems] == [key], problems
    assert words in problems[0][1]
    assert "hunter2" not in problems[0][1]


def test_a_missing_key_is_named() -> None:
    table = good()
    del table["webhook_secret"]
    assert parsed(table) == [("feedback.github.webhook_secret", "required key is missing")]


def test_the_web_side_is_required() -> None:
    problems = parsed(good(), web={})
    assert [key for key, _message in problems] == ["web.listen", "web.public_url"]


def test_check_exits_2_with_one_line_per_problem_and_no_token(tmp_path: Path) -> None:
    wrong = "ghp_" + "x" * 5
    path = tmp_path / "townsquare.toml"
    path.write_text(
        """[web]
listen = "127.0.0.1:8080"
public_url = "https://bots.example.org"

[feedback.github]
repo = "acme/app"
token = "${GITHUB_TOKEN}"
webhook_secret = "${GITHUB_WEBHOOK_SECRET}"

[[bots]]
name = "c"
platform = "console"
""",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "townsquare.bots.cli", "check", str(path)],
        env={"PYTHONPATH": str(ROOT), "GITHUB_TOKEN": wrong, "GITHUB_WEBHOOK_SECRET": "s"},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert [line.split(": ")[1] for line in lines] == [
        "feedback.github.token",
        "feedback.github.webhook_secret",
    ], lines
    assert wrong not in done.stdout + done.stderr and "Traceback" not in done.stderr


def test_github_without_the_feedback_feature_is_refused() -> None:
    data = {
        "web": WEB,
        "features": {"disable": ["feedback"]},
        "feedback": {"github": good()},
        "bots": BOTS,
    }
    try:
        parse_config(data, {}, "t.toml")
    except ConfigError as error:
        assert [key for key, _m in error.problems] == ["feedback.github"]
        assert "disabled" in error.problems[0][1]
    else:
        raise AssertionError("accepted")
