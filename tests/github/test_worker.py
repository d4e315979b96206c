"""The worker opens each requested issue once, from its row in the database, and hands
the outcome to the core as an event: across a crash, a 5xx, a refusal, two processes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.fakes.github.server import SECRET, TOKEN, FakeGithub
from townsquare.adapters.github.client import GithubClient
from townsquare.adapters.github.config import GithubConfig
from townsquare.adapters.github.worker import IssueWorker
from townsquare.core.events import Event, GithubIssueOpened, GithubIssueRefused
from townsquare.storage.database import create_engine
from townsquare.storage.github import (
    FAILED,
    OPENED,
    PENDING,
    IssueRequest,
    NewRequest,
    SqlGithubIssues,
    SqlGithubStore,
)
from townsquare.storage.migrate import upgrade
from townsquare.storage.store import SqlStore


async def _store(url: str) -> AsyncIterator[SqlStore]:
    engine = create_engine(url)
    await upgrade(engine)
    yield SqlStore(engine)
    await engine.dispose()


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[SqlStore]:
    async for made in _store(sqlite_url):
        yield made


@pytest.fixture
async def either_store(database_url: str) -> AsyncIterator[SqlStore]:
    """On SQLite and on PostgreSQL (the leases' SKIP LOCKED)."""
    async for made in _store(database_url):
        yield made


@pytest.fixture
async def github() -> AsyncIterator[FakeGithub]:
    async with FakeGithub() as fake:
        yield fake


def marker(n: int) -> str:
    return f"<!-- townsquare-request: {n:032x} -->"


async def request(store: SqlStore, idea: int, now: datetime | None = None) -> IssueRequest:
    new = NewRequest(
        idea_id=idea,
        idea_number=idea,
        repo="acme/app",
        marker=marker(idea),
        title=f"Idea {idea}",
        body=f"Text of idea {idea}\n\n{marker(idea)}",
        platform="telegram",
        bot="tg",
        community_id="-1001",
        channel_id="-1001",
        requested_by="42",
        requested_by_name="Olga",
    )
    async with store.transaction() as tx:
        made, _due = await SqlGithubStore(tx).request(new, now or datetime.now(UTC))
    return made


class Core:
    """Stands in for the pipeline: records the events, and applies the outcome as the
    core's handler does."""

    def __init__(self, store: SqlStore, *, fails: int = 0) -> None:
        self.store = store
        self.events: list[Event] = []
        self.fails = fails

    async def __call__(self, event: Event) -> None:
        if self.fails:
            self.fails -= 1
            raise RuntimeError("the pipeline is shutting down")
        self.events.append(event)
        async with self.store.transaction() as tx:
            github = SqlGithubStore(tx)
            match event:
                case GithubIssueOpened():
                    await github.opened(
                        event.request_id, event.number, event.url, event.occurred_at
                    )
                case GithubIssueRefused():
                    await github.refused(event.request_id, event.reason)


def worker(store: SqlStore, github: FakeGithub, core: Core, **options: Any) -> IssueWorker:
    config = GithubConfig.model_validate(
        {"repo": "acme/app", "token": TOKEN, "webhook_secret": SECRET, "api_url": github.url}
    )

    async def no_sleep(_seconds: float) -> None:
        return None

    client = GithubClient(config, sleep=no_sleep, tries=2)
    return IssueWorker(SqlGithubIssues(store), client, core, **options)


async def state(store: SqlStore, idea: int) -> IssueRequest:
    async with store.transaction() as tx:
        found = await SqlGithubStore(tx).for_idea(idea)
    assert found is not None
    return found


async def test_a_request_is_opened_once_and_its_outcome_handed_over(
    store: SqlStore, github: FakeGithub
) -> None:
    made = await request(store, 7)
    core = Core(store)
    work = worker(store, github, core)
    try:
        assert await work.run_once() == 1
        assert await work.run_once() == 0, "nothing is due any more"
    finally:
        await work.stop()
    (event,) = core.events
    assert isinstance(event, GithubIssueOpened)
    assert (event.request_id, event.number, event.bot, event.platform) == (
        made.id,
        1,
        "tg",
        "telegram",
    )
    assert event.community is not None and event.community.id == "-1001"
    assert event.event_id == f"github-issue:{made.id}:opened"
    (issue,) = github.issues.values()
    assert issue["title"] == "Idea 7" and issue["body"].startswith("Text of idea 7")
    found = await state(store, 7)
    assert (found.state, found.number, found.attempts) == (OPENED, 1, 1)


async def test_asking_again_for_an_idea_makes_no_second_request(store: SqlStore) -> None:
    first = await request(store, 7)
    new = NewRequest(**{name: getattr(first, name) for name in NewRequest.__slots__})
    async with store.transaction() as tx:
        again, due = await SqlGithubStore(tx).request(new, datetime.now(UTC))
    assert again.id == first.id and not due


async def test_github_down_keeps_the_request_due_later(store: SqlStore, github: FakeGithub) -> None:
    await request(store, 7)
    github.fail("POST", "issues", 502, times=2)  # both of the client's tries
    core = Core(store)
    work = worker(store, github, core, backoff_base=30)
    try:
        assert await work.run_once() == 1
        assert await work.run_once() == 0, "not due again yet"
    finally:
        await work.stop()
    found = await state(store, 7)
    assert found.state == PENDING and found.attempts == 1
    assert "502" in (found.last_error or "")
    wait = (found.next_attempt_at - datetime.now(UTC)).total_seconds()
    assert 20 < wait <= 36
    assert not core.events
    # Once due again, it opens; the try looks for an issue the failed ones opened first.
    later = worker(store, github, core, clock=lambda: datetime.now(UTC) + timedelta(minutes=1))
    try:
        assert await later.run_once() == 1
    finally:
        await later.stop()
    assert len(github.issues) == 1 and (await state(store, 7)).state == OPENED


async def test_a_crash_after_github_opened_the_issue_opens_no_second_one(
    store: SqlStore, github: FakeGithub
) -> None:
    """The first process opens the issue and dies before the core stores it; the next
    process, once the lease is over, finds the issue by its marker."""
    await request(store, 7)
    dying = worker(store, github, Core(store, fails=1))
    try:
        await dying.run_once()  # the hand-over fails: the row stays pending
    finally:
        await dying.stop()
    assert len(github.issues) == 1
    assert (await state(store, 7)).state == PENDING
    core = Core(store)
    later = worker(store, github, core)
    try:
        assert await later.run_once() == 1
    finally:
        await later.stop()
    assert len(github.issues) == 1, "found by its marker, not opened again"
    (event,) = core.events
    assert isinstance(event, GithubIssueOpened) and event.number == 1
    assert (await state(store, 7)).state == OPENED


async def test_a_killed_worker_s_lease_runs_out_and_another_takes_over(
    either_store: SqlStore, github: FakeGithub
) -> None:
    store = either_store
    await request(store, 7)
    issues = SqlGithubIssues(store)
    now = datetime.now(UTC)
    (held,) = await issues.claim(now, limit=10, lease_seconds=30)  # then SIGKILL
    core = Core(store)
    other = worker(store, github, core)
    try:
        assert await other.run_once() == 0, "leased by the first"
    finally:
        await other.stop()
    later = worker(store, github, core, clock=lambda: now + timedelta(seconds=31))
    try:
        assert await later.run_once() == 1
    finally:
        await later.stop()
    found = await state(store, 7)
    assert found.state == OPENED and found.attempts == 2
    assert held.attempts == 1


async def test_a_refusal_is_handed_over_and_a_new_ask_tries_again(
    store: SqlStore, github: FakeGithub
) -> None:
    await request(store, 7)
    github.token = "ghp_" + "R" * 36  # the configured one is no longer valid
    core = Core(store)
    work = worker(store, github, core)
    try:
        await work.run_once()
    finally:
        await work.stop()
    (event,) = core.events
    assert isinstance(event, GithubIssueRefused)
    assert "token" in event.reason and TOKEN not in event.reason
    found = await state(store, 7)
    assert found.state == FAILED
    github.token = TOKEN
    again = await request(store, 7)
    assert again.state == PENDING and again.attempts == 0 and again.marker == found.marker
    work = worker(store, github, core)
    try:
        await work.run_once()
    finally:
        await work.stop()
    assert (await state(store, 7)).state == OPENED and len(github.issues) == 1


async def test_two_workers_open_each_issue_once(either_store: SqlStore, github: FakeGithub) -> None:
    store = either_store
    for idea in range(1, 7):
        await request(store, idea)
    core = Core(store)
    first, second = worker(store, github, core), worker(store, github, core)
    try:
        await asyncio.gather(first.run_once(), second.run_once())
    finally:
        await first.stop()
        await second.stop()
    assert sorted(issue["title"] for issue in github.issues.values()) == [
        f"Idea {n}" for n in range(1, 7)
    ]
    assert len(core.events) == 6


async def test_the_running_worker_opens_a_new_request_when_woken(
    store: SqlStore, github: FakeGithub
) -> None:
    core = Core(store)
    work = worker(store, github, core, poll_interval=30)
    work.start()
    try:
        await request(store, 7)
        work.wake()
        await github.wait_for_issues(1, timeout=10)
    finally:
        await work.stop()
    assert len(github.issues) == 1
