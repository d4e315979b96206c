"""``POST /hooks/github`` on the web app: signature checked, replays and everything but a
closed idea's issue ignored, the rest handed to the pipeline before 200 is answered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from tests.fakes.github.server import SECRET, TOKEN, FakeGithub, sign
from townsquare.bots.config import Config, parse_config
from townsquare.core.events import Event, GithubIssueClosed
from townsquare.core.metrics import Metrics
from townsquare.storage.database import create_engine
from townsquare.storage.github import NewRequest, SqlGithubIssues, SqlGithubStore
from townsquare.storage.migrate import upgrade
from townsquare.storage.store import SqlStore
from townsquare.web.app import create_app

MARKER = "<!-- townsquare-request: 00000000000000000000000000000007 -->"


class Pipeline:
    """Records what is submitted and, like the core's handler, the delivery as seen."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.events: list[Event] = []
        self.unavailable = False

    async def submit(self, event: Event) -> None:
        if self.unavailable:
            raise ConnectionError("database gone")
        assert isinstance(event, GithubIssueClosed)
        async with self.store.transaction() as tx:
            await SqlGithubStore(tx).delivered(event.delivery_id, datetime.now(UTC))
        self.events.append(event)


class Runtime:
    def __init__(self, config: Config, store: SqlStore) -> None:
        self.config = config
        self.metrics = Metrics()
        self.pipeline: Pipeline | None = Pipeline(store)
        self.github_issues: SqlGithubIssues | None = SqlGithubIssues(store)

    def bot_states(self) -> dict[str, str]:
        return {}


def config() -> Config:
    data = {
        "web": {"listen": "127.0.0.1:8080", "public_url": "https://bots.example.org"},
        "feedback": {"github": {"repo": "acme/app", "token": TOKEN, "webhook_secret": SECRET}},
        "bots": [{"name": "tg", "platform": "console"}],
    }
    return parse_config(data, {}, "test.toml")


@pytest.fixture
async def town(sqlite_url: str) -> AsyncIterator[tuple[Runtime, str, FakeGithub]]:
    engine = create_engine(sqlite_url)
    await upgrade(engine)
    store = SqlStore(engine)
    async with store.transaction() as tx:
        made, _due = await SqlGithubStore(tx).request(
            NewRequest(
                idea_id=7,
                idea_number=7,
                repo="acme/app",
                marker=MARKER,
                title="Dark mode",
                body=f"Please\n\n{MARKER}",
                platform="telegram",
                bot="tg",
                community_id="-1001",
                channel_id="-1001",
                requested_by="42",
                requested_by_name="Olga",
            ),
            datetime.now(UTC),
        )
        await SqlGithubStore(tx).opened(
            made.id, 1, "https://github.com/acme/app/issues/1", made.created_at
        )
    runtime = Runtime(config(), store)
    github = FakeGithub()
    github.issues[1] = {
        "number": 1,
        "title": "Dark mode",
        "body": f"Please\n\n{MARKER}",
        "state": "open",
        "state_reason": None,
        "html_url": "https://github.com/acme/app/issues/1",
    }
    github.issues[2] = {
        "number": 2,
        "title": "Not ours",
        "body": "",
        "state": "open",
        "state_reason": None,
        "html_url": "https://github.com/acme/app/issues/2",
    }
    server = TestServer(create_app(runtime))
    await server.start_server()
    try:
        yield runtime, str(server.make_url("/hooks/github")), github
    finally:
        await server.close()
        await engine.dispose()


async def test_a_closed_issue_is_handed_to_the_core(town: tuple[Runtime, str, FakeGithub]) -> None:
    runtime, url, github = town
    status, body, delivery = await github.deliver(url, github.close_issue(1, "completed"))
    assert (status, body) == (200, '{"ok": "stored"}')
    assert runtime.pipeline is not None
    (event,) = runtime.pipeline.events
    assert isinstance(event, GithubIssueClosed)
    assert (event.platform, event.bot, event.event_id) == ("telegram", "tg", f"github:{delivery}")
    assert event.community is not None and event.community.id == "-1001"
    assert (event.number, event.state_reason, event.closed_by) == (1, "completed", "maintainer")


async def test_not_planned_is_handed_over_as_such(town: tuple[Runtime, str, FakeGithub]) -> None:
    runtime, url, github = town
    status, _body, _delivery = await github.deliver(url, github.close_issue(1, "not_planned"))
    assert status == 200 and runtime.pipeline is not None
    (event,) = runtime.pipeline.events
    assert isinstance(event, GithubIssueClosed) and event.state_reason == "not_planned"


@pytest.mark.parametrize(
    "signature",
    [None, "sha256=" + "0" * 64, "sha1=abc", sign("another-secret-entirely", b"{}")],
)
async def test_a_badly_signed_delivery_is_refused(
    town: tuple[Runtime, str, FakeGithub], signature: str | None
) -> None:
    runtime, url, github = town
    payload = github.close_issue(1)
    if signature is None:
        status, body, _ = await github.deliver(url, payload, secret=None)
    else:
        status, body, _ = await github.deliver(url, payload, signature=signature)
    assert (status, body) == (401, '{"error": "bad signature"}')
    assert runtime.pipeline is not None and not runtime.pipeline.events


async def test_a_signature_of_another_body_is_refused(
    town: tuple[Runtime, str, FakeGithub],
) -> None:
    runtime, url, github = town
    forged = sign(SECRET, b'{"action": "opened"}')
    status, _body, _ = await github.deliver(url, github.close_issue(1), signature=forged)
    assert status == 401
    assert runtime.pipeline is not None and not runtime.pipeline.events


async def test_a_replayed_delivery_changes_nothing(town: tuple[Runtime, str, FakeGithub]) -> None:
    runtime, url, github = town
    payload = github.close_issue(1)
    first = await github.deliver(url, payload)
    again = await github.deliver(url, payload, delivery=first[2])
    assert first[:2] == (200, '{"ok": "stored"}')
    assert again[:2] == (200, '{"ignored": "replay"}')
    assert runtime.pipeline is not None and len(runtime.pipeline.events) == 1


async def test_ping_is_answered(town: tuple[Runtime, str, FakeGithub]) -> None:
    _runtime, url, github = town
    status, body, _ = await github.deliver(url, {"zen": "Keep it logically awesome."}, event="ping")
    assert (status, body) == (200, '{"ok": "pong"}')


@pytest.mark.parametrize(
    ("event", "change", "why"),
    [
        ("push", {}, "push events are not used"),
        ("issues", {"action": "opened"}, "only closed issues are used"),
        ("issues", {"repository": {"full_name": "acme/other"}}, "another repository"),
        ("issues", {"state_reason": "duplicate"}, "closed as duplicate"),
        ("issues", {"number": 2}, "not an idea's issue"),
    ],
)
async def test_what_is_not_a_closed_idea_is_ignored(
    town: tuple[Runtime, str, FakeGithub], event: str, change: dict[str, Any], why: str
) -> None:
    runtime, url, github = town
    payload = github.close_issue(2 if change.get("number") == 2 else 1)
    if "action" in change:
        payload["action"] = change["action"]
    if "repository" in change:
        payload["repository"] = change["repository"]
    if "state_reason" in change:
        payload["issue"]["state_reason"] = change["state_reason"]
    status, body, _ = await github.deliver(url, payload, event=event)
    assert status == 200 and why in body, body
    assert runtime.pipeline is not None and not runtime.pipeline.events


async def test_a_delivery_that_cannot_be_stored_is_answered_503(
    town: tuple[Runtime, str, FakeGithub],
) -> None:
    runtime, url, github = town
    assert runtime.pipeline is not None
    runtime.pipeline.unavailable = True
    payload = github.close_issue(1)
    status, _body, delivery = await github.deliver(url, payload)
    assert status == 503
    runtime.pipeline.unavailable = False
    status, body, _ = await github.deliver(url, payload, delivery=delivery)  # Redeliver
    assert (status, body) == (200, '{"ok": "stored"}')


async def test_before_the_bots_start_the_hook_answers_503(
    town: tuple[Runtime, str, FakeGithub],
) -> None:
    runtime, url, github = town
    runtime.pipeline = None
    status, _body, _ = await github.deliver(url, github.close_issue(1))
    assert status == 503


async def test_without_the_config_there_is_no_hook(sqlite_url: str) -> None:
    data = {"bots": [{"name": "tg", "platform": "console"}]}
    engine = create_engine(sqlite_url)
    runtime = Runtime(parse_config(data, {}, "t.toml"), SqlStore(engine))
    server = TestServer(create_app(runtime))
    await server.start_server()
    try:
        github = FakeGithub()
        github.issues[1] = {"number": 1, "body": "", "state": "open"}
        status, _body, _ = await github.deliver(
            str(server.make_url("/hooks/github")), github.close_issue(1)
        )
    finally:
        await server.close()
        await engine.dispose()
    assert status in (404, 405)


async def test_concurrent_copies_of_one_delivery_reach_the_pipeline_as_one_event_id(
    town: tuple[Runtime, str, FakeGithub],
) -> None:
    """Two copies racing past the replay check carry one event id: the pipeline's
    de-duplication keeps one."""
    runtime, url, github = town
    payload = github.close_issue(1)
    answers = await asyncio.gather(
        *(github.deliver(url, payload, delivery="d-1") for _ in range(3))
    )
    assert all(status == 200 for status, _body, _ in answers)
    assert runtime.pipeline is not None
    assert {event.event_id for event in runtime.pipeline.events} == {"github:d-1"}
