"""The Bolt transport against the fake: authorization, URL verification, shutdown, private
answers and how failures of the Web API become core errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from tests.fakes.slack import server as f
from tests.fakes.slack.server import FakeSlack
from tests.slack.conftest import ALICE, SECRET, slack_config
from tests.slack.test_conformance import Collector, post, scenario_request
from townsquare.adapters.slack.transport import SlackAdapter
from townsquare.core.actions import AnswerButton, SendEphemeral, SendMessage
from townsquare.core.errors import TransientDeliveryError
from townsquare.core.events import CommandIssued
from townsquare.core.ports import AdapterDeps
from townsquare.core.refs import ChannelRef
from townsquare.core.text import as_text

Running = tuple[SlackAdapter, Collector, str]


@pytest.fixture
async def running(slack: FakeSlack, port: int) -> AsyncIterator[Running]:
    config = slack_config(
        token=slack.token, signing_secret=SECRET, listen=f"127.0.0.1:{port}", api_url=slack.url
    )
    adapter = SlackAdapter(config, AdapterDeps())
    sink = Collector()
    await adapter.start(sink)
    yield adapter, sink, f"http://127.0.0.1:{port}/slack/events"
    await adapter.stop()
    await adapter.close()


async def test_url_verification_answers_the_challenge(running: Running) -> None:
    """What Slack sends when the operator pastes the request URL from the manifest."""
    import aiohttp

    _adapter, _sink, url = running
    body = json.dumps(
        {
            "token": "unused",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    ).encode()
    headers = {"Content-Type": "application/json", **f.signed(SECRET, body)}
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as reply:
        assert reply.status == 200
        assert (await reply.json())["challenge"].startswith("3eZbrw1aBm2")


async def test_the_token_is_checked_once_and_authorizes_every_request(
    slack: FakeSlack, running: Running
) -> None:
    _adapter, sink, url = running
    for name in ("join", "message", "command", "button"):
        body, content_type = scenario_request(name, slack.response_url)
        assert await post(url, body, content_type) == 200
    await sink.wait(4)
    assert len(slack.called("auth.test")) == 1


async def test_oauth_variables_in_the_environment_do_not_replace_the_token(
    slack: FakeSlack, port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Left alone, Bolt turns to its OAuth flow when these are set and drops the token."""
    monkeypatch.setenv("SLACK_CLIENT_ID", "111.222")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "not-used-by-a-single-workspace-bot")
    config = slack_config(
        token=slack.token, signing_secret=SECRET, listen=f"127.0.0.1:{port}", api_url=slack.url
    )
    adapter = SlackAdapter(config, AdapterDeps())
    sink = Collector()
    await adapter.start(sink)
    try:
        url = f"http://127.0.0.1:{port}/slack/events"
        body, content_type = scenario_request("command", slack.response_url)
        assert await post(url, body, content_type) == 200
        (issued,) = await sink.wait(1)
        assert isinstance(issued, CommandIssued) and issued.name == "poll"
        import aiohttp

        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/slack/install") as page,
        ):
            assert page.status == 404, "no OAuth install page is exposed"
    finally:
        await adapter.stop()
        await adapter.close()


async def test_stop_answers_a_request_in_flight_once_its_event_is_stored(
    slack: FakeSlack, running: Running
) -> None:
    """Slack got no answer yet: stop() lets the request finish, stored, then 200."""
    adapter, sink, url = running
    gate = slack.hold("users.info")
    body, content_type = scenario_request("join", slack.response_url)
    posting = asyncio.create_task(post(url, body, content_type))
    await slack.wait_for("users.info")  # the listener is now waiting on the Web API
    stopping = asyncio.create_task(adapter.stop())
    gate.set()
    assert await asyncio.wait_for(posting, 10) == 200
    await asyncio.wait_for(stopping, 10)
    assert [type(e).__name__ for e in sink.events] == ["MemberJoined"]


async def _command(slack: FakeSlack, running: Running) -> CommandIssued:
    _adapter, sink, url = running
    body, content_type = scenario_request("command", slack.response_url)
    assert await post(url, body, content_type) == 200
    (issued,) = await sink.wait(1)
    assert isinstance(issued, CommandIssued)
    return issued


def ephemeral(issued: CommandIssued, text: str) -> SendEphemeral:
    assert issued.channel is not None
    return SendEphemeral(
        bot="sl",
        channel=issued.channel,
        user_id=ALICE,
        display_name="Alice",
        text=as_text(text),
        interaction_id=issued.interaction_id,
    )


async def test_private_answers_use_the_response_url_five_times_then_post_ephemeral(
    slack: FakeSlack, running: Running
) -> None:
    adapter, _sink, _url = running
    issued = await _command(slack, running)
    for n in range(6):
        await adapter.perform(ephemeral(issued, f"answer {n}"))
    assert [c["text"] for c in slack.called("response_url")] == [f"answer {n}" for n in range(5)]
    (posted,) = slack.called("chat.postEphemeral")
    assert (posted["text"], posted["user"], posted["channel"]) == ("answer 5", ALICE, "C0GENERAL")


async def test_a_refused_response_url_falls_back_to_post_ephemeral(
    slack: FakeSlack, running: Running
) -> None:
    adapter, _sink, _url = running
    issued = await _command(slack, running)
    slack.response_status.append(404)
    await adapter.perform(ephemeral(issued, "your answer"))
    assert slack.called("response_url refused") and not slack.called("response_url")
    assert slack.called("chat.postEphemeral")[0]["text"] == "your answer"


async def test_a_button_answer_without_toast_sends_nothing(
    slack: FakeSlack, running: Running
) -> None:
    adapter, _sink, _url = running
    await adapter.perform(
        AnswerButton(bot="sl", interaction_id="t.1", channel=ChannelRef("C0GENERAL"), user_id=ALICE)
    )
    assert not slack.called("chat.postEphemeral") and not slack.called("response_url")


async def test_dropped_connections_and_server_errors_are_transient(
    slack: FakeSlack, running: Running
) -> None:
    adapter, _sink, _url = running
    send = SendMessage(bot="sl", channel=ChannelRef("C0GENERAL"), text=as_text("hello"))
    slack.fail("chat.postMessage", 0, "")
    slack.fail("chat.postMessage", 0, "")  # slack_sdk retries a dropped connection once
    with pytest.raises(TransientDeliveryError):
        await adapter.perform(send)
    slack.fail("chat.postMessage", 503, "service_unavailable")
    with pytest.raises(TransientDeliveryError):
        await adapter.perform(send)
    delivered = await adapter.perform(send)
    assert delivered.messages[0].channel.id == "C0GENERAL"


async def test_an_unreachable_web_api_fails_at_start_with_the_address(port: int) -> None:
    config = slack_config(
        token="xoxb-1",
        signing_secret=SECRET,
        listen=f"127.0.0.1:{port}",
        api_url=f"http://127.0.0.1:{port}/api",  # nothing listens there yet
    )
    adapter = SlackAdapter(config, AdapterDeps())
    with pytest.raises(RuntimeError, match=f"cannot reach the Slack Web API at .*:{port}/api/"):
        await adapter.start(Collector())
    await adapter.close()


def test_building_the_adapter_never_walks_the_call_stack(
    slack: FakeSlack, port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bolt's default app name costs an ``inspect.stack()``, which resolves the path of
    every loaded module: a large share of a start's CPU once aiogram is loaded."""
    import inspect

    def refused(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("inspect.stack() called while building the Slack adapter")

    monkeypatch.setattr(inspect, "stack", refused)
    config = slack_config(
        token=slack.token, signing_secret=SECRET, listen=f"127.0.0.1:{port}", api_url=slack.url
    )
    adapter = SlackAdapter(config, AdapterDeps())
    assert adapter.app.name == "sl"
