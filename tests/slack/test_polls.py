"""A poll through Slack: Block Kit buttons, presses, private toasts, live tally edits."""

from __future__ import annotations

import aiohttp

from bots.config import parse_config
from bots.runtime import Runtime
from tests.fakes.slack import server as f
from tests.fakes.slack.server import FakeSlack
from tests.slack.conftest import ALICE, OLGA, SECRET


async def post(url: str, body: bytes) -> int:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **f.signed(SECRET, body)}
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        return r.status


async def test_poll_buttons_votes_and_tally(slack: FakeSlack, port: int, sqlite_url: str) -> None:
    config = parse_config(
        {
            "storage": {"url": sqlite_url},
            "bots": [
                {
                    "name": "sl",
                    "platform": "slack",
                    "token": slack.token,
                    "signing_secret": SECRET,
                    "listen": f"127.0.0.1:{port}",
                    "api_url": slack.url,
                }
            ],
        },
        {},
        "test",
    )
    url = f"http://127.0.0.1:{port}/slack/events"
    async with Runtime(config):
        assert (
            await post(
                url,
                f.command_body(
                    "/poll", '"Lunch?" Pizza "<!channel>"', OLGA, response_url=slack.response_url
                ),
            )
            == 200
        )
        (poll,) = await slack.wait_for("chat.postMessage")
        actions = [b for b in poll["blocks"] if b["type"] == "actions"]
        assert [e["value"] for e in actions[0]["elements"]] == ["poll:1:0", "poll:1:1"]
        assert "<!channel>" in f.message_text(poll) and f.pings(poll)["broadcast"] == []
        assert (
            await post(
                url,
                f.interaction_body(
                    f.block_actions("poll:1:0", ALICE, response_url=slack.response_url)
                ),
            )
            == 200
        )
        (toast,) = await slack.wait_for("response_url")
        assert (toast["response_type"], toast["text"]) == ("ephemeral", "Vote recorded")
        (edit,) = await slack.wait_for("chat.update")
        assert "1. Pizza — 1" in f.message_text(edit)
