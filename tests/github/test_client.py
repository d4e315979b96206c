"""The GitHub client against the loopback fake: issues opened once, errors classified,
5xx and rate limits retried with backoff honouring ``Retry-After``, the token never in
an error."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.github.server import SECRET, TOKEN, FakeGithub
from townsquare.adapters.github.client import GithubClient, GithubRefused, GithubUnavailable
from townsquare.adapters.github.config import GithubConfig

MARKER = "<!-- townsquare-request: 0123456789abcdef0123456789abcdef -->"


@pytest.fixture
async def github() -> AsyncIterator[FakeGithub]:
    async with FakeGithub() as fake:
        yield fake


def config(github: FakeGithub, **changes: str) -> GithubConfig:
    values = {
        "repo": github.repo,
        "token": TOKEN,
        "webhook_secret": SECRET,
        "api_url": github.url,
        **changes,
    }
    return GithubConfig.model_validate(values)


class Sleeps:
    def __init__(self) -> None:
        self.waited: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waited.append(seconds)


async def test_an_issue_is_opened_with_its_title_and_body(github: FakeGithub) -> None:
    client = GithubClient(config(github))
    try:
        await client.check()
        issue = await client.open_issue("Dark mode", f"Please.\n\n{MARKER}", MARKER)
    finally:
        await client.close()
    assert issue.number == 1
    assert issue.url == f"https://github.com/{github.repo}/issues/1"
    (created,) = github.issues.values()
    assert created["title"] == "Dark mode" and MARKER in created["body"]
    (call,) = github.called("POST", "/issues")
    assert call.body == {"title": "Dark mode", "body": f"Please.\n\n{MARKER}"}


async def test_a_bad_token_is_refused_and_never_shown(github: FakeGithub) -> None:
    wrong = "ghp_" + "W" * 36
    client = GithubClient(config(github, token=wrong))
    try:
        with pytest.raises(GithubRefused) as refused:
            await client.open_issue("Dark mode", MARKER, MARKER)
    finally:
        await client.close()
    assert refused.value.status == 401
    assert "token" in str(refused.value) and wrong not in str(refused.value)
    assert not github.issues
    assert len(github.calls) == 1, "a 401 is not retried"


async def test_an_unknown_repository_is_refused(github: FakeGithub) -> None:
    client = GithubClient(config(github, repo="acme/nothing"))
    try:
        with pytest.raises(GithubRefused, match="acme/nothing does not exist") as refused:
            await client.check()
    finally:
        await client.close()
    assert refused.value.status == 404


async def test_a_5xx_is_retried_with_backoff(github: FakeGithub) -> None:
    github.fail("POST", "issues", 503, times=2)
    sleeps = Sleeps()
    client = GithubClient(config(github), tries=3, backoff_base=1.0, sleep=sleeps)
    try:
        issue = await client.open_issue("Dark mode", MARKER, MARKER)
    finally:
        await client.close()
    assert issue.number == 1 and len(github.issues) == 1
    assert len(sleeps.waited) == 2 and 0.8 <= sleeps.waited[0] <= 1.2
    assert 1.6 <= sleeps.waited[1] <= 2.4, "exponential"


async def test_a_secondary_rate_limit_is_waited_out_as_retry_after_says(
    github: FakeGithub,
) -> None:
    github.fail_secondary("POST", "issues", retry_after=7)
    sleeps = Sleeps()
    client = GithubClient(config(github), sleep=sleeps)
    try:
        issue = await client.open_issue("Dark mode", MARKER, MARKER)
    finally:
        await client.close()
    assert issue.number == 1
    assert sleeps.waited == [7.0]


async def test_a_primary_rate_limit_waits_for_its_reset(github: FakeGithub) -> None:
    import time

    reset = str(int(time.time()) + 30)
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
    github.fail("GET", "repo", 403, "API rate limit exceeded", headers=headers)
    sleeps = Sleeps()
    client = GithubClient(config(github), sleep=sleeps)
    try:
        await client.check()
    finally:
        await client.close()
    assert len(sleeps.waited) == 1 and 25 <= sleeps.waited[0] <= 31


async def test_a_long_wait_is_left_to_the_caller(github: FakeGithub) -> None:
    github.fail_secondary("POST", "issues", retry_after=600)
    client = GithubClient(config(github), max_wait=120, sleep=Sleeps())
    try:
        with pytest.raises(GithubUnavailable) as unavailable:
            await client.open_issue("Dark mode", MARKER, MARKER)
    finally:
        await client.close()
    assert unavailable.value.retry_after == 600


async def test_a_try_that_reached_github_before_failing_is_not_repeated(
    github: FakeGithub,
) -> None:
    """A 502 after the issue was made: the retry finds it by its marker."""
    github.fail_after_create = 1
    client = GithubClient(config(github), sleep=Sleeps())
    try:
        issue = await client.open_issue("Dark mode", f"text\n{MARKER}", MARKER)
    finally:
        await client.close()
    assert len(github.issues) == 1 and issue.number == 1
    assert len(github.called("POST", "/issues")) == 1
    assert len(github.called("GET", "/issues")) == 1


async def test_a_request_that_may_have_been_opened_looks_first(github: FakeGithub) -> None:
    client = GithubClient(config(github))
    try:
        first = await client.open_issue("Dark mode", f"text\n{MARKER}", MARKER)
        again = await client.open_issue("Dark mode", f"text\n{MARKER}", MARKER, maybe_opened=True)
        other = "<!-- townsquare-request: ffffffffffffffffffffffffffffffff -->"
        second = await client.open_issue("Other", other, other, maybe_opened=True)
    finally:
        await client.close()
    assert again == first
    assert second.number == 2 and len(github.issues) == 2


async def test_an_unreachable_github_is_transient() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    values = {"repo": "acme/app", "token": TOKEN, "webhook_secret": SECRET}
    client = GithubClient(
        GithubConfig.model_validate({**values, "api_url": f"http://127.0.0.1:{port}"}),
        tries=1,
    )
    try:
        with pytest.raises(GithubUnavailable, match="cannot reach"):
            await client.check()
    finally:
        await client.close()
