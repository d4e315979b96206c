"""Shared scenarios as signed HTTP requests to the Bolt app; actions as Web API calls."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.conformance import scenarios as s
from tests.fakes.slack import server as f
from tests.fakes.slack.server import FakeSlack
from tests.slack.conftest import ALICE, EVE, OLGA, SECRET, slack_config
from townsquare.adapters.slack.transport import SlackAdapter
from townsquare.core.errors import DirectMessageRefused, NotSupported, RateLimited
from townsquare.core.events import Event
from townsquare.core.ports import AdapterDeps
from townsquare.core.refs import ChannelRef, CommunityRef, PlatformRole


class Collector:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.changed = asyncio.Condition()

    async def __call__(self, event: Event) -> None:
        async with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    async def wait(self, count: int) -> list[Event]:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: len(self.events) >= count), 10)
        return self.events


@pytest.fixture
async def running(
    slack: FakeSlack, port: int
) -> AsyncIterator[tuple[SlackAdapter, Collector, str]]:
    config = slack_config(
        token=slack.token, signing_secret=SECRET, listen=f"127.0.0.1:{port}", api_url=slack.url
    )
    adapter = SlackAdapter(config, AdapterDeps())
    sink = Collector()
    await adapter.start(sink)
    yield adapter, sink, f"http://127.0.0.1:{port}/slack/events"
    await adapter.stop()
    await adapter.close()


def scenario_request(name: str, hook: str) -> tuple[bytes, str]:
    channel = "C0GENERAL"
    if name in ("join", "join_hostile", "leave", "bot_added"):
        who = {"join": ALICE, "join_hostile": EVE, "leave": ALICE, "bot_added": f.BOT_USER}[name]
        kind = "member_left_channel" if name == "leave" else "member_joined_channel"
        event: dict[str, Any] = {
            "type": kind,
            "user": who,
            "channel": channel,
            "channel_type": "C",
            "team": f.TEAM,
            "event_ts": "1700000001.000200",
        }
        if name == "bot_added":
            event["inviter"] = OLGA
        return f.event_body(event, f"Ev{name}"), "application/json"
    if name == "message":
        event = {
            "type": "message",
            "channel": channel,
            "user": ALICE,
            "text": s.MESSAGE_TEXT,
            "ts": "1700000002.000300",
            "event_ts": "1700000002.000300",
            "channel_type": "channel",
        }
        return f.event_body(event, "Evmessage"), "application/json"
    if name == "reaction":
        event = {
            "type": "reaction_added",
            "user": ALICE,
            "reaction": s.REACTION_EMOJI,
            "item_user": EVE,
            "item": {"type": "message", "channel": channel, "ts": "1700000002.000300"},
            "event_ts": "1700000003.000400",
        }
        return f.event_body(event, "Evreaction"), "application/json"
    if name == "command":
        text = s.COMMAND_TEXT.removeprefix("/poll ")
        return f.command_body(
            "/poll", text, ALICE, response_url=hook
        ), "application/x-www-form-urlencoded"
    if name == "button":
        return f.interaction_body(
            f.block_actions(s.BUTTON_DATA, ALICE, response_url=hook)
        ), "application/x-www-form-urlencoded"
    raise AssertionError(name)


async def post(url: str, body: bytes, content_type: str, **headers: str) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            url,
            data=body,
            headers={"Content-Type": content_type, **f.signed(SECRET, body), **headers},
        ) as response,
    ):
        return response.status


@pytest.mark.parametrize("scenario", s.SCENARIOS, ids=lambda sc: sc.name)
async def test_scenario(
    scenario: s.Scenario, slack: FakeSlack, running: tuple[SlackAdapter, Collector, str]
) -> None:
    _adapter, sink, url = running
    body, content_type = scenario_request(scenario.name, slack.response_url)
    assert await post(url, body, content_type) == 200
    events = await sink.wait(1)
    event = s.assert_conforms(events, scenario, platform="slack", bot="sl")
    if scenario.name == "bot_added":
        assert event.actor is not None and event.actor.platform_role is PlatformRole.OWNER


async def test_bad_signature_and_stale_timestamp_get_401(
    slack: FakeSlack, running: tuple[SlackAdapter, Collector, str]
) -> None:
    _adapter, sink, url = running
    body, content_type = scenario_request("message", slack.response_url)
    async with aiohttp.ClientSession() as http:
        bad = {"Content-Type": content_type, **f.signed("wrong-secret", body)}
        async with http.post(url, data=body, headers=bad) as response:
            assert response.status == 401
        stale = {"Content-Type": content_type, **f.signed(SECRET, body, timestamp=1_600_000_000)}
        async with http.post(url, data=body, headers=stale) as response:
            assert response.status == 401
        async with http.post(url, data=body, headers={"Content-Type": content_type}) as response:
            assert response.status == 401
    assert sink.events == []


async def test_the_bots_own_messages_are_ignored(
    slack: FakeSlack, running: tuple[SlackAdapter, Collector, str]
) -> None:
    _adapter, sink, url = running
    own = {
        "type": "message",
        "channel": "C0GENERAL",
        "user": f.BOT_USER,
        "bot_id": "B0BOT",
        "text": "I said this",
        "ts": "1.1",
        "event_ts": "1.1",
    }
    assert await post(url, f.event_body(own, "Evown"), "application/json") == 200
    body, content_type = scenario_request("message", slack.response_url)
    assert await post(url, body, content_type) == 200
    events = await sink.wait(1)
    assert [getattr(e, "text", None) for e in events] == [s.MESSAGE_TEXT]


async def test_actions_become_web_api_calls(
    slack: FakeSlack, running: tuple[SlackAdapter, Collector, str]
) -> None:
    adapter, _sink, _url = running
    actions = s.conformance_actions(
        bot="sl",
        community=CommunityRef("slack", f.TEAM),
        channel=ChannelRef("C0GENERAL"),
        message_id="1700000000.000100",
        user_id=EVE,
    )
    for name, action in actions.items():
        if name in ("restrict", "unrestrict", "remove"):
            with pytest.raises(NotSupported):
                await adapter.perform(action)
        else:
            await adapter.perform(action)
    posts = slack.called("chat.postMessage")
    greeting = posts[0]
    blocks: list[dict[str, Any]] = greeting["blocks"]
    assert {"type": "user", "user_id": EVE} in f.elements(greeting)
    assert {"type": "text", "text": "Be kind", "style": {"bold": True}} in f.elements(greeting)
    assert f.pings(greeting) == {"users": [EVE], "broadcast": []}
    assert "<!channel>" not in json.dumps(greeting).replace(f"<@{EVE}>", "")
    assert [[e["value"] for e in b["elements"]] for b in blocks if b["type"] == "actions"] == [
        ["poll:7:0", "poll:7:1"],
        ["poll:7:r"],
    ]
    long_posts = [post for post in posts if f.message_text(post).startswith("word")]
    assert len(long_posts) == 12  # 100,000 characters at most 9,000 a message
    assert all(len(f.message_text(post)) <= 9000 for post in long_posts)
    assert "".join(f.message_text(post) + " " for post in long_posts) == "word " * 20_000
    assert slack.called("chat.update")[0]["ts"] == "1700000000.000100"
    assert slack.called("chat.delete")[0]["ts"] == "1700000000.000100"
    assert slack.called("chat.postEphemeral")[0]["text"] == "Vote recorded"
    assert slack.called("conversations.open")[0]["users"] == EVE
    assert posts[-1]["channel"] == "D0" + EVE
    (shared,) = slack.shared_files()
    assert (shared["channel"], shared["filename"], shared["data"]) == (
        "C0GENERAL",
        s.FILE_NAME,
        s.FILE_BYTES,
    )
    assert shared["initial_comment"] is None and shared["blocks"] == greeting["blocks"][:1]


async def test_errors_become_core_errors(
    slack: FakeSlack, running: tuple[SlackAdapter, Collector, str]
) -> None:
    from townsquare.core.actions import SendDirect, SendMessage
    from townsquare.core.text import as_text

    adapter, _sink, _url = running
    slack.fail("chat.postMessage", 429, "ratelimited", retry_after=3)
    with pytest.raises(RateLimited) as limited:
        await adapter.perform(
            SendMessage(bot="sl", channel=ChannelRef("C0GENERAL"), text=as_text("hi"))
        )
    assert limited.value.retry_after == 3
    slack.fail("conversations.open", 200, "cannot_dm_bot")
    with pytest.raises(DirectMessageRefused):
        await adapter.perform(
            SendDirect(bot="sl", user_id="U0OTHERBOT", display_name="b", text=as_text("x"))
        )


async def test_a_bad_token_fails_at_start(slack: FakeSlack, port: int) -> None:
    config = slack_config(
        token="xoxb-wrong", signing_secret=SECRET, listen=f"127.0.0.1:{port}", api_url=slack.url
    )
    adapter = SlackAdapter(config, AdapterDeps())
    with pytest.raises(RuntimeError, match="invalid_auth"):
        await adapter.start(Collector())
    await adapter.close()


async def test_report_shortcut_team_join_and_direct_messages(
    slack: FakeSlack, running: tuple[SlackAdapter, Collector, str]
) -> None:
    from townsquare.core.events import CommandIssued, MemberJoined, MessagePosted

    _adapter, sink, url = running
    shortcut = {
        "type": "message_action",
        "callback_id": "report_to_managers",
        "trigger_id": "trigger.report",
        "team": {"id": f.TEAM},
        "user": {"id": ALICE, "team_id": f.TEAM},
        "channel": {"id": "C0GENERAL"},
        "message": {"type": "message", "user": EVE, "ts": "1700000009.000100", "text": "rude"},
        "response_url": slack.response_url,
    }
    form = "application/x-www-form-urlencoded"
    assert await post(url, f.interaction_body(shortcut), form) == 200
    team_join = {"type": "team_join", "user": f.user("U0NEW", "Newcomer"), "event_ts": "1.3"}
    assert await post(url, f.event_body(team_join, "Ev0TEAMJOIN"), "application/json") == 200
    direct = {
        "type": "message",
        "channel": "D0ALICE",
        "user": ALICE,
        "text": "psst",
        "ts": "1.4",
        "event_ts": "1.4",
        "channel_type": "im",
    }
    assert await post(url, f.event_body(direct, "Ev0DM"), "application/json") == 200
    events = await sink.wait(3)
    by_type = {type(event).__name__: event for event in events}
    report = by_type["CommandIssued"]
    assert isinstance(report, CommandIssued) and report.name == "report"
    assert report.reply_to is not None and report.reply_to.message_id == "1700000009.000100"
    assert report.reply_to_author is not None and report.reply_to_author.user_id == EVE
    joined = by_type["MemberJoined"]
    assert isinstance(joined, MemberJoined) and joined.member.display_name == "Newcomer"
    dm = by_type["MessagePosted"]
    assert isinstance(dm, MessagePosted) and dm.channel is not None and dm.channel.is_direct


def test_hostile_text_can_never_become_a_mass_mention() -> None:
    from townsquare.adapters.slack.outbound import messages
    from townsquare.core.text import bold, compose

    ((fallback, blocks),) = messages(compose("Hi {name}", name=bold(s.HOSTILE_NAME)))
    assert "<!channel>" not in fallback and "<b>" not in fallback
    assert "&lt;!channel&gt;" in fallback and "&amp;amp;" in fallback
    message = {"text": fallback, "blocks": blocks}
    assert f.elements(message) == [
        {"type": "text", "text": "Hi "},
        {"type": "text", "text": s.HOSTILE_NAME, "style": {"bold": True}},
    ]
    assert f.pings(message) == {"users": [], "broadcast": []}
