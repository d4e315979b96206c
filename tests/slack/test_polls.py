"""A poll through Slack: Block Kit buttons, presses, private toasts, live tally edits, and
the export uploaded as a file."""

from __future__ import annotations

import time

import aiohttp

from tests.fakes.slack import blocks as kit
from tests.fakes.slack import server as f
from tests.fakes.slack.server import FakeSlack
from tests.slack.conftest import ALICE, OLGA, SECRET
from townsquare.bots.config import Config, parse_config
from townsquare.bots.runtime import Runtime


async def post(url: str, body: bytes) -> int:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **f.signed(SECRET, body)}
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        return r.status


def config(slack: FakeSlack, port: int, sqlite_url: str) -> Config:
    return parse_config(
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


async def test_poll_buttons_votes_and_tally(slack: FakeSlack, port: int, sqlite_url: str) -> None:
    url = f"http://127.0.0.1:{port}/slack/events"
    async with Runtime(config(slack, port, sqlite_url)):
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
                    f.block_actions(
                        "poll:1:0", ALICE, response_url=slack.response_url, ts=slack.posted[0]
                    )
                ),
            )
            == 200
        )
        (toast,) = await slack.wait_for("response_url")
        assert (toast["response_type"], toast["text"]) == ("ephemeral", "Vote recorded")
        (edit,) = await slack.wait_for("chat.update")
        assert "1. Pizza — 1" in f.message_text(edit)


async def test_export_is_a_csv_file_uploaded_to_the_managers_dm(
    slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    url = f"http://127.0.0.1:{port}/slack/events"
    async with Runtime(config(slack, port, sqlite_url)):
        poll = f.command_body("/poll", '"Lunch *now*?" "Pizza, thin" Sushi', OLGA,
                              response_url=slack.response_url)  # fmt: skip
        assert await post(url, poll) == 200
        await slack.wait_for("chat.postMessage")
        press = f.block_actions(
            "poll:1:0", ALICE, response_url=slack.response_url, ts=slack.posted[0]
        )
        assert await post(url, f.interaction_body(press)) == 200
        await slack.wait_for("chat.update")
        export = f.command_body("/poll", "export 1", OLGA, response_url=slack.response_url)
        assert await post(url, export) == 200
        (completed,) = await slack.wait_for("files.completeUploadExternal")
        (opened,) = slack.called("conversations.open")
        assert opened["users"] == OLGA
        (shared,) = slack.shared_files()
        assert shared["channel"] == "D0" + OLGA, "the manager's IM channel"
        assert (shared["filename"], shared["title"]) == ("poll-1.csv", "poll-1.csv")
        assert shared["data"] == b'option,votes,voters\r\n"Pizza, thin",1,Alice\r\nSushi,0,\r\n'
        assert shared["initial_comment"] is None, "the caption is never parsed as mrkdwn"
        assert f.message_text({"blocks": shared["blocks"]}) == "Poll #1 as CSV: Lunch *now*?"
        assert completed["channel_id"] == "D0" + OLGA


async def test_export_to_a_manager_slack_will_not_dm_lands_in_the_channel(
    slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    url = f"http://127.0.0.1:{port}/slack/events"
    slack.fail("conversations.open", 200, "user_not_found")
    async with Runtime(config(slack, port, sqlite_url)):
        poll = f.command_body("/poll", '"Secret?" Yes No --anonymous', OLGA,
                              response_url=slack.response_url)  # fmt: skip
        assert await post(url, poll) == 200
        await slack.wait_for("chat.postMessage")
        export = f.command_body("/poll", "export 1", OLGA, response_url=slack.response_url)
        assert await post(url, export) == 200
        await slack.wait_for("files.completeUploadExternal")
        (shared,) = slack.shared_files()
        assert shared["channel"] == "C0GENERAL"
        assert shared["data"] == b"option,votes\r\nYes,0\r\nNo,0\r\n"
        mention = [e for e in f.elements({"blocks": shared["blocks"]}) if e["type"] == "user"]
        assert [e["user_id"] for e in mention] == [OLGA]


async def test_a_deadline_is_a_date_each_member_reads_in_their_time_zone(
    slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    url = f"http://127.0.0.1:{port}/slack/events"
    async with Runtime(config(slack, port, sqlite_url)):
        asked = time.time()
        body = f.command_body(
            "/poll", "Lunch? Pizza Sushi --closes 2h", OLGA, response_url=slack.response_url
        )
        assert await post(url, body) == 200
        (poll,) = await slack.wait_for("chat.postMessage")
        (deadline,) = [e for e in kit.elements(poll) if e["type"] == "date"]
        assert deadline["format"] == "{date_long_pretty} {time}"
        assert asked + 7200 - 5 <= deadline["timestamp"] <= time.time() + 7200
        assert deadline["fallback"].endswith(" UTC") and deadline["fallback"] in poll["text"]
