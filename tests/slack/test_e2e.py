"""End to end: the runtime with the config contract, slack-bolt, and the fake Web API."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml  # type: ignore[import-untyped]

from tests.conformance.scenarios import HOSTILE_NAME
from tests.fakes.slack import server as f
from tests.fakes.slack.server import FakeSlack
from tests.slack.conftest import ALICE, EVE, OLGA, SECRET
from townsquare.bots.config import parse_config
from townsquare.bots.runtime import Runtime
from townsquare.core.events import ButtonPressed, MemberJoined
from townsquare.core.features import Context, Feature, on
from townsquare.core.text import compose, mention


class Greeter(Feature):
    name = "test-greeter"

    @on(MemberJoined)
    async def greet(self, event: MemberJoined, ctx: Context) -> None:
        who = mention(event.member.user_id, event.member.display_name)
        ctx.reply(compose("Welcome {who}! ({name})", who=who, name=event.member.display_name))

    @on(ButtonPressed)
    async def pressed(self, event: ButtonPressed, ctx: Context) -> None:
        ctx.answer(f"You chose {event.data}")


@pytest.fixture
async def runtime(slack: FakeSlack, port: int, sqlite_url: str) -> AsyncIterator[str]:
    config = parse_config(
        {
            "storage": {"url": sqlite_url},
            "bots": [
                {
                    "name": "slack-main",
                    "platform": "slack",
                    "token": "${SLACK_BOT_TOKEN}",
                    "signing_secret": "${SLACK_SIGNING_SECRET}",
                    "listen": f"127.0.0.1:{port}",
                    "api_url": slack.url,
                }
            ],
        },
        {"SLACK_BOT_TOKEN": slack.token, "SLACK_SIGNING_SECRET": SECRET},
        "test",
    )
    async with Runtime(config, extra_features=[Greeter()]):
        yield f"http://127.0.0.1:{port}/slack/events"


def greeting(params: dict[str, Any]) -> bool:
    """Posts of the test greeter (other features may greet newcomers as well)."""
    return str(params.get("text", "")).startswith("Welcome <@")


async def post(url: str, body: bytes, content_type: str, **headers: str) -> int:
    signed = {"Content-Type": content_type, **f.signed(SECRET, body), **headers}
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=signed) as reply:
        return reply.status


async def test_help_is_private_and_depends_on_role(slack: FakeSlack, runtime: str) -> None:
    form = "application/x-www-form-urlencoded"
    hook = slack.response_url
    assert await post(runtime, f.command_body("/help", "", ALICE, response_url=hook), form) == 200
    (for_alice,) = await slack.wait_for("response_url")
    assert await post(runtime, f.command_body("/help", "", OLGA, response_url=hook), form) == 200
    for_olga = (await slack.wait_for("response_url", 2))[1]
    assert for_alice["response_type"] == for_olga["response_type"] == "ephemeral"
    assert "/settings" not in for_alice["text"] and "/help" in for_alice["text"]
    assert "/settings" in for_olga["text"]
    assert slack.called("chat.postMessage") == [], "nothing public"


async def test_join_greeting_escapes_a_hostile_name_and_retries_count_once(
    slack: FakeSlack, runtime: str
) -> None:
    event = {
        "type": "member_joined_channel",
        "user": EVE,
        "channel": "C0GENERAL",
        "channel_type": "C",
        "team": f.TEAM,
        "event_ts": "1700000001.000200",
    }
    body = f.event_body(event, "Ev0JOIN")
    assert await post(runtime, body, "application/json") == 200
    assert (
        await post(
            runtime,
            body,
            "application/json",
            **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
        )
        == 200
    )
    (greeted,) = await slack.wait_for("chat.postMessage", where=greeting)
    escaped = "@everyone &lt;b&gt;*Eve*&lt;/b&gt; &lt;!channel&gt; _x_ &amp;amp; @here"
    assert greeted["text"] == f"Welcome <@{EVE}>! ({escaped})"
    assert f.message_text(greeted) == f"Welcome <@{EVE}>! ({HOSTILE_NAME})"
    assert {"type": "text", "text": f"! ({HOSTILE_NAME})"} in f.elements(greeted)
    assert f.pings(greeted) == {"users": [EVE], "broadcast": []}
    assert all("<!channel>" not in call["text"] for call in slack.called("chat.postMessage"))
    # The retry must not produce a second greeting: a later event is handled after it.
    form = "application/x-www-form-urlencoded"
    assert (
        await post(
            runtime, f.command_body("/help", "", ALICE, response_url=slack.response_url), form
        )
        == 200
    )
    await slack.wait_for("response_url")
    assert len([call for call in slack.called("chat.postMessage") if greeting(call)]) == 1


async def test_button_press_gets_a_private_toast(slack: FakeSlack, runtime: str) -> None:
    body = f.interaction_body(f.block_actions("color:blue", ALICE, response_url=slack.response_url))
    assert await post(runtime, body, "application/x-www-form-urlencoded") == 200
    (toast,) = await slack.wait_for("response_url")
    assert (toast["response_type"], toast["text"]) == ("ephemeral", "You chose color:blue")


async def test_unreadable_updates_are_stored_and_malformed_bodies_refused(
    slack: FakeSlack, runtime: str
) -> None:
    """Through the runtime: a join without its member is stored (200, not redelivered,
    not lost); a signed body that is not JSON gets 400 and no retry (issue 24)."""
    event = {"type": "member_joined_channel", "channel": "C0GENERAL", "event_ts": "1.1"}
    assert await post(runtime, f.event_body(event, "Ev0NOUSER"), "application/json") == 200
    assert await post(runtime, b"{broken", "application/json") == 400
    assert await post(runtime, b"", "application/x-www-form-urlencoded") == 400
    assert slack.called("chat.postMessage") == []


async def test_a_bad_signature_is_refused(slack: FakeSlack, runtime: str) -> None:
    body = f.command_body("/help", "", ALICE, response_url=slack.response_url)
    async with aiohttp.ClientSession() as http:
        headers = {"Content-Type": "application/x-www-form-urlencoded", **f.signed("nope", body)}
        async with http.post(runtime, data=body, headers=headers) as reply:
            assert reply.status == 401
    assert slack.called("response_url") == [] and slack.called("chat.postEphemeral") == []


async def test_townsquare_run_and_manifest(slack: FakeSlack, port: int, tmp_path: Path) -> None:
    path = tmp_path / "bots.toml"
    path.write_text(
        f"""
[storage]
url = "sqlite+aiosqlite:///{tmp_path / "town.db"}"

[[bots]]
name = "slack-main"
platform = "slack"
token = "${{SLACK_BOT_TOKEN}}"
signing_secret = "${{SLACK_SIGNING_SECRET}}"
listen = "127.0.0.1:{port}"
api_url = "{slack.url}"
public_url = "https://bots.example.org"
"""
    )
    env = {**os.environ, "SLACK_BOT_TOKEN": slack.token, "SLACK_SIGNING_SECRET": SECRET}
    manifest = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "townsquare.bots.cli",
        "slack",
        "manifest",
        str(path),
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await manifest.communicate()
    assert manifest.returncode == 0
    assert "/help" in {c["command"] for c in yaml.safe_load(out)["features"]["slash_commands"]}

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "townsquare.bots.cli",
        "run",
        str(path),
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        while b"running 1 bot" not in await asyncio.wait_for(process.stderr.readline(), 60):
            pass
        url = f"http://127.0.0.1:{port}/slack/events"
        form = "application/x-www-form-urlencoded"
        assert (
            await post(
                url, f.command_body("/help", "", ALICE, response_url=slack.response_url), form
            )
            == 200
        )
        (reply,) = await slack.wait_for("response_url", timeout=30)
        assert "Commands you can use" in reply["text"]
    finally:
        process.send_signal(signal.SIGTERM)
        _out, errors = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, errors.decode()
    assert SECRET not in errors.decode() and slack.token not in errors.decode()


async def test_a_rate_limited_greeting_waits_out_retry_after(
    slack: FakeSlack, runtime: str
) -> None:
    slack.fail("chat.postMessage", 429, "ratelimited", retry_after=2)
    event = {
        "type": "member_joined_channel",
        "user": ALICE,
        "channel": "C0GENERAL",
        "channel_type": "C",
        "team": f.TEAM,
        "event_ts": "1700000001.000300",
    }
    assert await post(runtime, f.event_body(event, "Ev0LIMITED"), "application/json") == 200
    await slack.wait_for("chat.postMessage", where=greeting)
    # The first post got the 429, whichever feature made it; it is sent again, later.
    text = next(p["text"] for name, p, _t in slack.timed_calls if name == "chat.postMessage")
    await slack.wait_for("chat.postMessage", 2, where=lambda params: params["text"] == text)
    refused, resent = [t for _n, p, t in slack.timed_calls if p.get("text") == text][:2]
    assert resent - refused >= 1.9, "the worker honoured Retry-After"
