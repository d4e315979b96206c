"""``/feedback issue`` and GitHub's webhook through the real runtime, pipeline, worker,
outbox and SQL store, against the loopback GitHub fake: one issue per idea with its text
and votes, the manager told its link; closing it as completed or not planned moves the
idea and tells every backer once; a replay or a bad signature changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from tests.conftest import migrate
from tests.fakes.github.server import SECRET, TOKEN, FakeGithub
from tests.feedback.support import (
    BOB,
    CAROL,
    PostAdapter,
    answers,
    directs,
    edits,
    fire_jobs,
    play,
    press,
    said,
)
from tests.support import manager
from townsquare.bots.config import parse_config
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import Action, SendDirect
from townsquare.core.feedback.feature import Feedback
from townsquare.web.app import create_app

ALICE = manager("Alice")


class Town:
    def __init__(self, runtime: Runtime, adapter: PostAdapter, github: FakeGithub, hook: str):
        self.runtime, self.adapter, self.github, self.hook = runtime, adapter, github, hook

    async def told(self, user: str, count: int = 1) -> list[str]:
        """The first ``count`` private messages to ``user`` (waited for: the worker's
        outcome comes back through the pipeline on its own)."""

        def enough(performed: list[Action]) -> bool:
            return len(directs(performed, user)) >= count

        await self.adapter.wait_for(enough, timeout=20)
        return directs(self.adapter.performed, user)


def config(url: str, github: FakeGithub | None) -> Any:
    raw: dict[str, Any] = {
        "storage": {"url": url},
        "bots": [{"name": "mem", "platform": "console"}],
    }
    if github is not None:
        raw["web"] = {"listen": "127.0.0.1:8080", "public_url": "https://bots.example.org"}
        raw["feedback"] = {
            "github": {
                "repo": github.repo,
                "token": TOKEN,
                "webhook_secret": SECRET,
                "api_url": github.url,
            }
        }
    return parse_config(raw, {}, "t")


async def running(url: str, github: FakeGithub | None) -> tuple[Runtime, PostAdapter]:
    adapter = PostAdapter()
    runtime = Runtime(
        config(url, github), adapters={"mem": adapter}, delivery_options={"edit_interval": 0}
    )
    for feature in runtime.features:
        if isinstance(feature, Feedback):
            feature.notice_delay = timedelta(hours=1)
    await runtime.start()
    return runtime, adapter


@pytest.fixture
async def town(database_url: str) -> AsyncIterator[Town]:
    await migrate(database_url)
    async with FakeGithub() as github:
        runtime, adapter = await running(database_url, github)
        server = TestServer(create_app(runtime))
        await server.start_server()
        try:
            yield Town(runtime, adapter, github, str(server.make_url("/hooks/github")))
        finally:
            await server.close()
            await runtime.stop()


def status_notices(performed: list[Action]) -> list[SendDirect]:
    return [a for a in performed if isinstance(a, SendDirect) and "new status" in a.text.plain()]


async def an_idea_with_two_votes(town: Town) -> None:
    await play(town.runtime, said("/feedback board here", ALICE))
    await play(town.runtime, said("/feedback A dark mode for the mobile app", BOB))
    await play(town.runtime, press("fb:v:1", CAROL, "msg-feedback:1:1"))


async def test_an_idea_becomes_one_issue_and_closing_it_tells_every_backer(town: Town) -> None:
    await an_idea_with_two_votes(town)
    before = len(town.adapter.performed)
    await play(town.runtime, said("/feedback issue 1", BOB))
    assert answers(town.adapter.performed[before:]) == [
        "Sorry, only managers can use /feedback issue."
    ]
    await play(town.runtime, said("/feedback issue 1", ALICE))
    opening = "Opening a GitHub issue for idea #1; you will get its link privately."
    assert opening in answers(town.adapter.performed)  # the link may come first
    (issue,) = await town.github.wait_for_issues(1)
    assert issue["title"] == "A dark mode for the mobile app"
    assert "```text\nA dark mode for the mobile app\n```" in issue["body"]
    assert "**2 votes** · status: new · idea #1" in issue["body"]
    assert "<!-- townsquare-request: " in issue["body"]
    (link,) = await town.told("alice")
    assert link == "GitHub issue #1 is open for idea #1."
    told = [a for a in town.adapter.performed if isinstance(a, SendDirect) and a.user_id == "alice"]
    assert [s.url for s in told[0].text.spans if s.url] == [issue["html_url"]]

    # Asked again: the one issue is named, no second one is opened.
    await play(town.runtime, said("/feedback issue 1", ALICE))
    assert answers(town.adapter.performed)[-1] == "Idea #1 already has GitHub issue #1."
    assert len(town.github.issues) == 1 and len(town.github.called("POST", "/issues")) == 1

    # A badly signed delivery changes nothing.
    status, _body, _ = await town.github.deliver(
        town.hook, town.github.close_issue(1), secret="a-wrong-secret-of-some-length"
    )
    assert status == 401
    assert await town.runtime.worker.drain(timeout=15)
    assert "2 votes · New" in edits(town.adapter.performed, "feedback:1:1")[-1]

    # Closed as completed: done, and every backer is told once.
    payload = town.github.close_issue(1, "completed")
    status, body, delivery = await town.github.deliver(town.hook, payload)
    assert (status, body) == (200, '{"ok": "stored"}')
    assert await town.runtime.worker.drain(timeout=15)
    assert "2 votes · Done" in edits(town.adapter.performed, "feedback:1:1")[-1]
    await fire_jobs(town.runtime)
    # The runtime's own scheduler may fire the notices instead of fire_jobs: wait for them.
    await town.adapter.wait_for(lambda performed: len(status_notices(performed)) >= 2)
    notices = status_notices(town.adapter.performed)
    assert sorted(a.user_id for a in notices) == ["bob", "carol"]
    for notice in notices:
        text = notice.text.plain()
        assert "#1 A dark mode for the mobile app" in text and "Done" in text, text

    # The same delivery again (GitHub's Redeliver, or a replay): ignored, nobody told.
    status, body, _ = await town.github.deliver(town.hook, payload, delivery=delivery)
    assert (status, body) == (200, '{"ignored": "replay"}')
    await fire_jobs(town.runtime)
    await play(town.runtime, said("/feedback 1", ALICE))
    assert len(status_notices(town.adapter.performed)) == 2, "nobody told twice"
    shown = answers(town.adapter.performed)[-1]
    assert "Done" in shown and "github:maintainer" not in shown, shown


async def test_closed_again_after_a_reopen_tells_nobody_twice(town: Town) -> None:
    await an_idea_with_two_votes(town)
    await play(town.runtime, said("/feedback issue 1", ALICE))
    await town.github.wait_for_issues(1)
    await town.told("alice")
    status, _body, _ = await town.github.deliver(town.hook, town.github.close_issue(1))
    assert status == 200
    await fire_jobs(town.runtime)

    await town.adapter.wait_for(lambda performed: len(status_notices(performed)) == 2)
    town.github.issues[1].update(state="open", state_reason="reopened")
    status, body, _ = await town.github.deliver(town.hook, town.github.event_payload(1, "reopened"))
    assert (status, body) == (200, '{"ignored": "only closed issues are used"}')
    status, body, _ = await town.github.deliver(town.hook, town.github.close_issue(1))
    assert (status, body) == (200, '{"ok": "stored"}')
    await fire_jobs(town.runtime)
    await play(town.runtime, said("/feedback 1", ALICE))  # one more round through it all
    assert len(status_notices(town.adapter.performed)) == 2, "done already: nobody told again"


async def test_closed_as_not_planned_declines_the_idea(town: Town) -> None:
    await an_idea_with_two_votes(town)
    await play(town.runtime, said("/feedback issue 1", ALICE))
    await town.github.wait_for_issues(1)
    await town.told("alice")
    status, _body, _ = await town.github.deliver(
        town.hook, town.github.close_issue(1, "not_planned")
    )
    assert status == 200
    assert await town.runtime.worker.drain(timeout=15)
    assert "2 votes · Declined" in edits(town.adapter.performed, "feedback:1:1")[-1]


async def test_a_refused_issue_tells_the_manager_and_may_be_asked_again(town: Town) -> None:
    await an_idea_with_two_votes(town)
    town.github.token = "ghp_" + "N" * 36  # the token was revoked
    await play(town.runtime, said("/feedback issue 1", ALICE))
    (refused,) = await town.told("alice")
    assert refused.startswith("GitHub refused the issue of idea #1: the token is wrong"), refused
    assert TOKEN not in refused
    town.github.token = TOKEN
    await play(town.runtime, said("/feedback issue 1", ALICE))
    await town.github.wait_for_issues(1)
    told = await town.told("alice", 2)
    assert told[-1] == "GitHub issue #1 is open for idea #1."


async def test_an_idea_of_another_community_is_unknown(town: Town) -> None:
    from tests.support import typed

    await an_idea_with_two_votes(town)
    event = typed("/feedback issue 1", ALICE)
    elsewhere = type(event)(
        **{
            **{name: getattr(event, name) for name in event.__dataclass_fields__},
            "community": type(event.community)("memory", "c2", title="Elsewhere"),  # type: ignore[misc]
        }
    )
    await play(town.runtime, elsewhere)
    assert answers(town.adapter.performed)[-1] == "There is no idea #1."
    assert not town.github.issues


async def test_without_the_config_the_command_says_so(database_url: str) -> None:
    await migrate(database_url)
    runtime, adapter = await running(database_url, None)
    try:
        await play(runtime, said("/feedback A dark mode for the mobile app", BOB))
        await play(runtime, said("/feedback issue 1", ALICE))
        assert answers(adapter.performed)[-1].startswith("GitHub is not set up here")
    finally:
        await runtime.stop()
