"""``townsquare check --online`` asks GitHub whether the token reaches the repository, and
the worker says so in one line at start."""

from __future__ import annotations

import logging

import pytest

from tests.fakes.github.server import SECRET, TOKEN, FakeGithub
from townsquare.bots.checks import github_problems
from townsquare.bots.config import Config, parse_config


def config(github: FakeGithub, **changes: str) -> Config:
    table = {
        "repo": github.repo,
        "token": TOKEN,
        "webhook_secret": SECRET,
        "api_url": github.url,
        **changes,
    }
    data = {
        "web": {"listen": "127.0.0.1:8080", "public_url": "https://bots.example.org"},
        "feedback": {"github": table},
        "bots": [{"name": "c", "platform": "console"}],
    }
    return parse_config(data, {}, "t.toml")


async def test_a_good_token_has_no_problem() -> None:
    async with FakeGithub() as github:
        assert await github_problems(config(github)) == []


async def test_a_refused_token_and_an_unknown_repository_name_their_keys() -> None:
    wrong = "ghp_" + "Z" * 36
    async with FakeGithub() as github:
        (token,) = await github_problems(config(github, token=wrong))
        (repo,) = await github_problems(config(github, repo="acme/gone"))
    assert token[0] == "feedback.github.token" and "wrong or expired" in token[1]
    assert wrong not in token[1]
    assert repo[0] == "feedback.github.repo" and "acme/gone does not exist" in repo[1]


async def test_an_unreachable_api_names_api_url() -> None:
    async with FakeGithub() as github:
        made = config(github)
    (problem,) = await github_problems(made, timeout=5)
    assert problem[0] == "feedback.github.api_url" and "cannot reach" in problem[1]


async def test_without_the_table_nothing_is_asked() -> None:
    data = {"bots": [{"name": "c", "platform": "console"}]}
    assert await github_problems(parse_config(data, {}, "t.toml")) == []


async def test_the_worker_logs_a_refused_token_at_start(
    caplog: pytest.LogCaptureFixture, sqlite_url: str
) -> None:
    from townsquare.adapters.github.client import GithubClient
    from townsquare.adapters.github.worker import IssueWorker
    from townsquare.storage.database import create_engine
    from townsquare.storage.github import SqlGithubIssues
    from townsquare.storage.migrate import upgrade
    from townsquare.storage.store import SqlStore

    engine = create_engine(sqlite_url)
    await upgrade(engine)
    async with FakeGithub() as github:
        made = config(github, token="ghp_" + "Q" * 36).feedback.github
        assert made is not None
        events: list[object] = []

        async def submit(event: object) -> None:
            events.append(event)

        worker = IssueWorker(SqlGithubIssues(SqlStore(engine)), GithubClient(made), submit)
        with caplog.at_level(logging.INFO, logger="townsquare.adapters.github.worker"):
            await worker._check()
        await worker.stop()
    await engine.dispose()
    (line,) = [r for r in caplog.records if r.name == "townsquare.adapters.github.worker"]
    assert line.levelno == logging.ERROR and "wrong or expired" in line.getMessage()
    assert made.token.get_secret_value() not in line.getMessage()
