"""The conformance corpus: recorded real-world Slack payloads (opsdroid, bolt-python,
slack-go; ``tests/conformance/corpus/slack``) replayed through the real endpoint, signed,
against the fake Web API. None is lost (each becomes its events, or is deliberately
ignored, or is stored as rejected), every answer is the right one, nothing escapes as an
exception, and Slack's retry of each is recognised by the same event ids."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import pytest

from tests.fakes.slack import server as f
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.socket import FakeSocketMode
from tests.slack.conftest import SECRET, slack_config
from tests.slack.test_conformance import Collector
from townsquare.adapters.slack.transport import SlackAdapter
from townsquare.core.events import Event, MessageEdited, MessagePosted
from townsquare.core.ports import AdapterDeps

CORPUS = Path(__file__).parents[1] / "conformance" / "corpus" / "slack"
FILES = sorted(CORPUS.glob("*.json"))
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def recorded(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


@pytest.fixture
async def running(slack: FakeSlack, port: int) -> AsyncIterator[tuple[Collector, str]]:
    config = slack_config(
        token=slack.token, signing_secret=SECRET, listen=f"127.0.0.1:{port}", api_url=slack.url
    )
    adapter = SlackAdapter(config, AdapterDeps())
    sink = Collector()
    await adapter.start(sink)
    yield sink, f"http://127.0.0.1:{port}/slack/events"
    await adapter.stop()
    await adapter.close()


async def replay(url: str, case: dict[str, Any], **headers: str) -> tuple[int, str]:
    body = case["raw"].encode() if "raw" in case else json.dumps(case["body"]).encode()
    signed = {"Content-Type": case["content_type"], **f.signed(SECRET, body), **headers}
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=signed) as reply:
        return reply.status, await reply.text()


def test_the_corpus_covers_what_slack_sends() -> None:
    assert len(FILES) >= 25
    for path in FILES:
        origin = recorded(path)["origin"]
        assert origin["repository"] and origin["path"] and origin["commit"], path.name
    expected = {kind for path in FILES for kind in recorded(path)["expect"]}
    assert {
        "MessagePosted",
        "MessageEdited",
        "MessageDeleted",
        "MemberJoined",
        "MemberLeft",
        "ReactionAdded",
        "ButtonPressed",
        "CommandIssued",
    } <= expected


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
async def test_a_recorded_payload_is_never_lost(
    path: Path, running: tuple[Collector, str], caplog: pytest.LogCaptureFixture
) -> None:
    sink, url = running
    case = recorded(path)
    with caplog.at_level(logging.INFO):
        status, text = await replay(url, case)
        # Answered only once stored: the sink already has all there is.
        first: list[Event] = list(sink.events)
        retry_status, _ = await replay(url, case, **RETRY)
    assert status == retry_status == case.get("status", 200)
    assert [event.kind for event in first] == case["expect"]
    assert all(event.platform == "slack" and event.bot == "sl" for event in first)
    assert all(event.event_id for event in first)
    again = sink.events[len(first) :]
    assert [e.event_id for e in again] == [e.event_id for e in first], (
        "Slack's retry carries the same ids, so the core's de-duplication recognises it"
    )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    if case.get("body", {}).get("type") == "url_verification":
        assert json.loads(text)["challenge"] == case["body"]["challenge"]


async def test_what_the_recorded_payloads_say_reaches_the_core(
    running: tuple[Collector, str],
) -> None:
    """A few fields the mapper used to lose or misread on these payloads."""
    sink, url = running
    by_name: dict[str, Event] = {}
    for name in (
        "bolt-python-message-changed-ts-in-previous-message",
        "bolt-python-thread-reply",
        "opsdroid-message-changed",
        "slack-go-thread-broadcast",
    ):
        count = len(sink.events)
        assert (await replay(url, recorded(CORPUS / f"{name}.json")))[0] == 200
        (by_name[name],) = sink.events[count:]
    edit = by_name["bolt-python-message-changed-ts-in-previous-message"]
    assert isinstance(edit, MessageEdited) and edit.message.message_id == "1665102338.901939"
    assert edit.text == "updated message"
    reply = by_name["bolt-python-thread-reply"]
    assert isinstance(reply, MessagePosted) and reply.channel is not None
    assert reply.channel.thread_id == "1726133698.626339"
    changed = by_name["opsdroid-message-changed"]
    assert isinstance(changed, MessageEdited) and changed.text == "this is an edited message"
    assert changed.message.message_id == "1613632675.006300"
    broadcast = by_name["slack-go-thread-broadcast"]
    assert isinstance(broadcast, MessagePosted) and broadcast.text == "broadcasting this reply"


def envelope(case: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The Socket Mode envelope Slack would send instead of the HTTP request."""
    if "body" in case:
        if case["body"].get("type") == "url_verification":
            return None  # HTTP only
        return "events_api", case["body"]
    fields = dict(parse_qsl(case["raw"]))
    if "payload" in fields:
        return "interactive", json.loads(fields["payload"])
    return "slash_commands", fields


async def test_the_corpus_over_socket_mode(slack: FakeSlack) -> None:
    """The same payloads as Socket Mode envelopes: each acknowledged once stored."""
    socket = await FakeSocketMode().start()
    slack.socket_url = socket.url
    config = slack_config(token=slack.token, app_token="xapp-1-A0TOWN-test", api_url=slack.url)
    adapter = SlackAdapter(config, AdapterDeps())
    sink = Collector()
    await adapter.start(sink)
    try:
        for path in FILES:
            case = recorded(path)
            sent = envelope(case)
            if sent is None:
                continue
            count = len(sink.events)
            await socket.acked(await socket.send(*sent))
            assert [e.kind for e in sink.events[count:]] == case["expect"], path.name
    finally:
        await adapter.stop()
        await adapter.close()
        await socket.close()
