"""Acknowledge only what is stored: the real endpoint (Bolt, signed requests) in front of
a sink that can be made slow or failing, over HTTP and Socket Mode; bodies that cannot be
read; payloads the mapper cannot map."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import pytest

from tests.fakes.slack import server as f
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.socket import FakeSocketMode
from tests.slack.conftest import ALICE, SECRET, slack_config
from tests.slack.test_conformance import scenario_request
from tests.slack.test_forms import ask
from townsquare.adapters.slack.outbound import form_view
from townsquare.adapters.slack.transport import SlackAdapter
from townsquare.core.events import Event, MemberJoined, UpdateRejected
from townsquare.core.ports import AdapterDeps

JSON_TYPE = "application/json"
RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
FORM = "application/x-www-form-urlencoded"


class Sink:
    """The core's sink as the adapter sees it: returns once committed, raises when it
    could not store. ``gate`` holds every call until set; ``failures`` make the next
    calls raise. Keeps one record per ``event_id`` (the pipeline's de-duplication)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.handed: list[Event] = []
        self.failures: list[Exception] = []
        self.gate: asyncio.Event | None = None
        self.changed = asyncio.Condition()

    async def __call__(self, event: Event) -> None:
        async with self.changed:
            self.handed.append(event)
            self.changed.notify_all()
        if self.gate is not None:
            await self.gate.wait()
        if self.failures:
            raise self.failures.pop(0)
        if all(known.event_id != event.event_id for known in self.events):
            self.events.append(event)

    async def handed_over(self, count: int) -> list[Event]:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: len(self.handed) >= count), 10)
        return self.handed


Running = tuple[SlackAdapter, Sink, str]


@pytest.fixture
async def running(slack: FakeSlack, port: int) -> AsyncIterator[Running]:
    config = slack_config(
        token=slack.token, signing_secret=SECRET, listen=f"127.0.0.1:{port}", api_url=slack.url
    )
    adapter = SlackAdapter(config, AdapterDeps())
    sink = Sink()
    await adapter.start(sink)
    yield adapter, sink, f"http://127.0.0.1:{port}/slack/events"
    if sink.gate is not None:
        sink.gate.set()
    await adapter.stop()
    await adapter.close()


async def send(
    url: str, body: bytes, content_type: str, *, secret: str = SECRET, **headers: str
) -> tuple[int, dict[str, str], str]:
    signed = {"Content-Type": content_type, **f.signed(secret, body), **headers}
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=signed) as reply:
        return reply.status, dict(reply.headers), await reply.text()


async def test_a_request_is_answered_only_after_its_event_is_committed(
    running: Running, slack: FakeSlack
) -> None:
    _adapter, sink, url = running
    sink.gate = asyncio.Event()
    body, content_type = scenario_request("join", slack.response_url)
    posting = asyncio.create_task(send(url, body, content_type))
    await sink.handed_over(1)
    assert not posting.done(), "Slack was answered while the event was not yet stored"
    sink.gate.set()
    status, _headers, _text = await asyncio.wait_for(posting, 10)
    assert status == 200 and [type(e) for e in sink.events] == [MemberJoined]


@pytest.mark.parametrize("scenario", ["join", "message", "command", "button"])
async def test_a_failed_store_is_answered_503_so_slack_redelivers(
    running: Running, slack: FakeSlack, scenario: str
) -> None:
    _adapter, sink, url = running
    sink.failures.append(RuntimeError("database unreachable"))
    body, content_type = scenario_request(scenario, slack.response_url)
    status, headers, _text = await send(url, body, content_type)
    assert status == 503
    assert "X-Slack-No-Retry" not in headers, "a redelivery can succeed"
    assert sink.events == []
    # Slack's redelivery of the same request, once the database is back: stored.
    status, _headers, _text = await send(url, body, content_type, **RETRY)
    assert status == 200 and len(sink.events) == 1


async def test_storing_slower_than_slacks_deadline_is_redelivered_and_counted_once(
    running: Running, slack: FakeSlack
) -> None:
    """Not stored within the budget: 503, the handover goes on; when it commits after
    all, Slack's retry carries the same event_id and meets its de-duplication record."""
    adapter, sink, url = running
    adapter.intake.ack_seconds = 0.2
    sink.gate = asyncio.Event()
    body, content_type = scenario_request("join", slack.response_url)
    status, _headers, _text = await send(url, body, content_type)
    assert status == 503 and sink.events == []
    sink.gate.set()
    assert await adapter.intake.drain(10) == 0, "the late handover was not cancelled"
    assert len(sink.events) == 1
    status, _headers, _text = await send(
        url,
        body,
        content_type,
        **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert status == 200
    first, retry = sink.handed
    assert first.event_id == retry.event_id == "Evjoin", "the retry is recognised"
    assert len(sink.events) == 1, "processed once"


async def test_a_form_submission_is_acknowledged_with_an_empty_body_once_stored(
    running: Running, slack: FakeSlack
) -> None:
    """The empty answer closes the modal (what members saw before); not stored, the
    modal stays open with Slack's error."""
    _adapter, sink, url = running
    view = {**form_view(ask()), "id": "V1", "hash": "1.1"}
    body = f.interaction_body(f.view_submission(view, ALICE, "spam removed"))
    sink.failures.append(RuntimeError("database unreachable"))
    assert (await send(url, body, FORM))[0] == 503
    status, _headers, text = await send(url, body, FORM)
    assert (status, text) == (200, "")
    assert [getattr(e, "text", None) for e in sink.events] == ["spam removed"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", JSON_TYPE),
        (b"{not json", JSON_TYPE),
        (b"[1, 2]", JSON_TYPE),
        (b"payload=%7Bbroken", FORM),
        (b"\xff\xfe", JSON_TYPE),
        (b"", FORM),
    ],
    ids=["empty-json", "broken-json", "json-list", "broken-payload", "not-utf8", "empty-form"],
)
async def test_a_signed_malformed_body_gets_400_without_retries_and_one_log_line(
    running: Running, body: bytes, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    _adapter, sink, url = running
    with caplog.at_level(logging.WARNING):
        status, headers, _text = await send(url, body, content_type)
    assert status == 400
    assert headers.get("X-Slack-No-Retry") == "1", "sending it again cannot help"
    refused = [r for r in caplog.records if "malformed body" in r.getMessage()]
    assert len(refused) == 1 and not any(r.exc_info for r in caplog.records)
    assert sink.handed == []


async def test_a_malformed_body_with_a_bad_signature_is_still_401(running: Running) -> None:
    _adapter, _sink, url = running
    assert (await send(url, b"{not json", JSON_TYPE, secret="wrong"))[0] == 401
    stale = {"Content-Type": JSON_TYPE, **f.signed(SECRET, b"{}", timestamp=1_600_000_000)}
    async with aiohttp.ClientSession() as http, http.post(url, data=b"{}", headers=stale) as r:
        assert r.status == 401


async def test_an_unreadable_event_is_stored_as_rejected_and_logged_once(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    """A member_joined_channel without its member: stored, answered 200, not lost."""
    _adapter, sink, url = running
    event = {"type": "member_joined_channel", "channel": "C0GENERAL", "event_ts": "1.1"}
    with caplog.at_level(logging.WARNING):
        status, _headers, _text = await send(url, f.event_body(event, "Ev0NOUSER"), JSON_TYPE)
    assert status == 200
    (rejected,) = sink.events
    assert isinstance(rejected, UpdateRejected) and rejected.event_id == "Ev0NOUSER"
    assert rejected.update_kind == "event_callback/member_joined_channel"
    assert "user" in rejected.reason and rejected.raw is not None
    assert rejected.raw["event"] == event
    logged = [
        r.getMessage() for r in caplog.records if r.name.startswith("townsquare.adapters.slack")
    ]
    assert len(logged) == 1 and "member_joined_channel" in logged[0]


async def test_an_event_callback_without_an_event_is_stored_as_rejected(running: Running) -> None:
    _adapter, sink, url = running
    body = json.dumps({"type": "event_callback", "team_id": f.TEAM, "event_id": "Ev0EMPTY"})
    assert (await send(url, body.encode(), JSON_TYPE))[0] == 200
    (rejected,) = sink.events
    assert isinstance(rejected, UpdateRejected) and rejected.event_id == "Ev0EMPTY"


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "app_rate_limited", "team_id": f.TEAM, "minute_rate_limited": 1518467820},
        {"type": "view_closed", "team": {"id": f.TEAM}, "user": {"id": ALICE}, "view": {}},
        {"type": "block_suggestion", "user": {"id": ALICE}, "value": "x", "action_id": "a"},
    ],
    ids=["app_rate_limited", "view_closed", "block_suggestion"],
)
async def test_kinds_nobody_handles_are_answered_200_and_ignored(
    running: Running, payload: dict[str, Any]
) -> None:
    _adapter, sink, url = running
    if payload["type"] == "app_rate_limited":
        body, content_type = json.dumps(payload).encode(), JSON_TYPE
    else:
        body, content_type = f.interaction_body(payload), FORM
    assert (await send(url, body, content_type))[0] == 200
    assert sink.handed == []


async def test_socket_mode_acks_an_envelope_only_once_stored(slack: FakeSlack) -> None:
    socket = await FakeSocketMode().start()
    slack.socket_url = socket.url
    config = slack_config(token=slack.token, app_token="xapp-1-A0TOWN-test", api_url=slack.url)
    adapter = SlackAdapter(config, AdapterDeps())
    sink = Sink()
    await adapter.start(sink)
    try:
        sink.gate = asyncio.Event()
        sink.failures.append(RuntimeError("database unreachable"))
        command = dict(
            parse_qsl(f.command_body("/help", "", ALICE, response_url=slack.response_url).decode())
        )
        refused = await socket.send("slash_commands", command)
        await sink.handed_over(1)  # waiting for the database
        mention = {"type": "app_mention", "user": ALICE, "channel": "C0GENERAL", "ts": "1.1"}
        probe = await socket.send("events_api", json.loads(f.event_body(mention, "Ev0PROBE")))
        await socket.acked(probe)  # nothing to store: acknowledged at once
        assert refused not in {ack.get("envelope_id") for ack in socket.acks}
        sink.gate.set()  # ... and the database fails
        again = await socket.send("slash_commands", command)  # Slack's redelivery
        await socket.acked(again)
        assert refused not in {ack.get("envelope_id") for ack in socket.acks}
        assert len(sink.events) == 1
    finally:
        await adapter.stop()
        await adapter.close()
        await socket.close()
