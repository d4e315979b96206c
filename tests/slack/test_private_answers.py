"""Private answers from any process: what a delivery needs travels in the action's
``interaction_id``. One adapter receives the interaction; a second adapter of the same bot
(another ``townsquare run`` on the same database, or the next start after a crash), which
never saw it, delivers the answer."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator

import pytest

from tests.fakes.slack.server import FakeSlack
from tests.slack.conftest import ALICE, SECRET, slack_config
from tests.slack.test_conformance import Collector, post, scenario_request
from townsquare.adapters.slack.interaction import decode, encode
from townsquare.adapters.slack.transport import SlackAdapter
from townsquare.core.actions import AnswerButton, AskText, SendEphemeral
from townsquare.core.errors import PermanentDeliveryError
from townsquare.core.events import ButtonPressed, CommandIssued
from townsquare.core.ports import AdapterDeps
from townsquare.core.refs import ChannelRef
from townsquare.core.text import as_text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


Pair = tuple[SlackAdapter, SlackAdapter, Collector, str]


@pytest.fixture
async def pair(slack: FakeSlack) -> AsyncIterator[Pair]:
    """``receiver`` takes requests; ``other`` is the same bot in another process."""
    adapters = []
    for _ in range(2):
        config = slack_config(
            token=slack.token,
            signing_secret=SECRET,
            listen=f"127.0.0.1:{free_port()}",
            api_url=slack.url,
        )
        adapters.append(SlackAdapter(config, AdapterDeps()))
    receiver, other = adapters
    sink = Collector()
    await receiver.start(sink)
    await other.start(Collector())
    host, port = receiver.listening[0][:2]
    yield receiver, other, sink, f"http://{host}:{port}/slack/events"
    for adapter in adapters:
        await adapter.stop()
        await adapter.close()


async def _received(slack: FakeSlack, pair: Pair, scenario: str) -> CommandIssued | ButtonPressed:
    _receiver, _other, sink, url = pair
    body, content_type = scenario_request(scenario, slack.response_url)
    assert await post(url, body, content_type) == 200
    (event,) = await sink.wait(1)
    assert isinstance(event, CommandIssued | ButtonPressed)
    return event


def private(
    event: CommandIssued | ButtonPressed, text: str, interaction: str | None
) -> SendEphemeral:
    assert event.channel is not None
    return SendEphemeral(
        bot="sl",
        channel=event.channel,
        user_id=ALICE,
        display_name="Alice",
        text=as_text(text),
        interaction_id=interaction,
    )


async def test_another_process_answers_a_command_through_its_response_url(
    slack: FakeSlack, pair: Pair
) -> None:
    _receiver, other, _sink, _url = pair
    issued = await _received(slack, pair, "command")
    await other.perform(private(issued, "only you can see this", issued.interaction_id))
    (answer,) = slack.called("response_url")
    assert (answer["response_type"], answer["text"]) == ("ephemeral", "only you can see this")
    assert slack.called("chat.postMessage") == [] and slack.called("chat.postEphemeral") == []


async def test_another_process_answers_a_press_and_opens_its_form(
    slack: FakeSlack, pair: Pair
) -> None:
    _receiver, other, _sink, _url = pair
    pressed = await _received(slack, pair, "button")
    assert isinstance(pressed, ButtonPressed)
    await other.perform(
        AnswerButton(
            bot="sl",
            interaction_id=pressed.interaction_id,
            toast="Vote recorded",
            channel=pressed.channel,
            user_id=ALICE,
        )
    )
    (toast,) = slack.called("response_url")
    assert toast["text"] == "Vote recorded"
    await other.perform(
        AskText(
            bot="sl",
            interaction_id=pressed.interaction_id,
            title="Reason",
            label="Why?",
            data="case:1:warn",
            fallback_text="send /warn <reason>",
            channel=pressed.channel,
            user_id=ALICE,
        )
    )
    (view,) = slack.views
    assert view["trigger_id"] == decode(pressed.interaction_id).trigger_id


async def test_an_expired_response_url_is_answered_with_post_ephemeral(
    slack: FakeSlack, pair: Pair
) -> None:
    """Thirty minutes on (a long outage, a queue after a restart): Slack would refuse the
    URL, so the member gets the answer through chat.postEphemeral, still privately."""
    _receiver, other, _sink, _url = pair
    issued = await _received(slack, pair, "command")
    trigger = decode(issued.interaction_id).trigger_id
    old = encode(trigger, slack.response_url, time.time() - 31 * 60)
    await other.perform(private(issued, "late but private", old))
    assert slack.called("response_url") == []
    (posted,) = slack.called("chat.postEphemeral")
    assert (posted["text"], posted["user"], posted["channel"]) == (
        "late but private",
        ALICE,
        "C0GENERAL",
    )
    assert slack.called("chat.postMessage") == []


async def test_a_private_answer_with_no_private_way_fails_loudly(
    slack: FakeSlack, pair: Pair
) -> None:
    _receiver, other, _sink, _url = pair
    expired = encode("trigger.1", slack.response_url, time.time() - 31 * 60)
    for interaction in (expired, "trigger.1", None):
        toast = AnswerButton(
            bot="sl", interaction_id=interaction or "", toast="Vote recorded", channel=None
        )
        with pytest.raises(PermanentDeliveryError, match="cannot be delivered privately"):
            await other.perform(toast)
    nobody = SendEphemeral(
        bot="sl",
        channel=ChannelRef(""),
        user_id="",
        display_name="",
        text=as_text("x"),
        interaction_id=expired,
    )
    with pytest.raises(PermanentDeliveryError):
        await other.perform(nobody)
    assert slack.called("chat.postMessage") == [], "never made public instead"
    assert slack.called("response_url") == [] and slack.called("chat.postEphemeral") == []


def test_the_interaction_id_round_trips_and_reads_old_bare_ids() -> None:
    encoded = encode("123.456.abc", "https://hooks.slack.com/commands/T1/2/x", 1_700_000_000)
    found = decode(encoded)
    assert (found.trigger_id, found.response_url, found.issued_at) == (
        "123.456.abc",
        "https://hooks.slack.com/commands/T1/2/x",
        1_700_000_000,
    )
    assert not found.response_url_valid(now=1_700_000_000 + 31 * 60)
    assert found.response_url_valid(now=1_700_000_000 + 29 * 60)
    assert decode("123.456.abc").trigger_id == "123.456.abc"
    assert decode("{not json").trigger_id == "{not json"
    assert decode(None).response_url is None
    assert encode("t.1", None, 0) == "t.1", "a submission has no response_url"
