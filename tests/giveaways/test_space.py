"""``/giveaway --space``: one giveaway posted on Telegram and Slack at once, one entry per
person across both, through the real SDKs and the fakes.

Alice's Telegram and Slack accounts are one person: she enters on Telegram, and her press
on Slack is "already entered". Eve enters on Slack. Both posts show 2 entries; the draw
announces in both communities, mentioning a winner only where they are a member, and
``/giveaway verify`` from Slack finds the Telegram-started giveaway (same space)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.fakes.bots import (
    config,
    slack_bot,
    slack_events_url,
    slack_interaction,
    slack_post,
    telegram_bot,
)
from tests.fakes.slack import server as sf
from tests.fakes.slack.server import FakeSlack
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.slack.conftest import ALICE as SLACK_ALICE
from tests.slack.conftest import EVE as SLACK_EVE
from townsquare.bots.runtime import Runtime
from townsquare.storage.people import SqlPeopleStore, SqlPersonDirectory

GROUP_ID = int(str(p.GROUP["id"]))
SPACE = {"name": "town", "communities": [f"tg:{GROUP_ID}", f"sl:{sf.TEAM}/C0GENERAL"]}


async def _one_person(runtime: Runtime, telegram_user: str, slack_user: str) -> None:
    directory = SqlPersonDirectory()
    async with runtime.store.transaction() as tx:
        keep = await directory.person_of(tx, "telegram", telegram_user)
        merged = await directory.person_of(tx, "slack", slack_user)
        await SqlPeopleStore(tx).merge(keep, merged, datetime.now(UTC))


async def test_a_space_giveaway_takes_one_entry_per_person_on_two_platforms(
    api: FakeBotApi, backend: str, slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    api.administrators[GROUP_ID] = [p.owner(p.ADMIN)]
    bots = telegram_bot(api, backend), slack_bot(slack, port)
    settings = config(sqlite_url, *bots, spaces=[SPACE])  # type: ignore[arg-type]
    async with Runtime(settings, delivery_options={"edit_interval": 0.0}) as runtime:
        await _one_person(runtime, str(p.ALICE["id"]), SLACK_ALICE)
        await api.push(p.command('/giveaway "Two tickets" --ends 1d --space', user=p.ADMIN))
        (telegram_post,) = await api.wait_for("sendMessage")
        (slack_post_call,) = await slack.wait_for("chat.postMessage")
        assert "Two tickets" in telegram_post["text"] and "0 entries" in telegram_post["text"]
        assert "Two tickets" in sf.message_text(slack_post_call)
        ts = slack.posted[0]

        await api.push(p.callback("giveaway:1", user=p.ALICE, message_id=500))
        (toast,) = await api.wait_for("answerCallbackQuery")
        assert toast["text"] == "You are in. Good luck!"
        for who in (SLACK_ALICE, SLACK_EVE):
            press = sf.block_actions("giveaway:1", who, response_url=slack.response_url, ts=ts)
            assert await slack_interaction(port, press) == 200
        answers = await slack.wait_for("response_url", 2)
        assert [a["text"] for a in answers] == [
            "You have already entered this giveaway.",
            "You are in. Good luck!",
        ]
        await slack.wait_for(
            "chat.update", where=lambda edit: "2 entries so far" in sf.message_text(edit)
        )
        edits = await api.wait_for("editMessageText")
        while not any("2 entries so far" in edit["text"] for edit in edits):
            edits = await api.wait_for("editMessageText", len(edits) + 1, timeout=15)

        await api.push(p.command("/giveaway end 1", user=p.ADMIN))
        await slack.wait_for(
            "chat.postMessage", where=lambda m: "Winners of giveaway #1" in sf.message_text(m)
        )
        sent = await api.wait_for("sendMessage", 2)
        while not any("Winners of giveaway #1" in m["text"] for m in sent):
            sent = await api.wait_for("sendMessage", len(sent) + 1, timeout=15)

        body = sf.command_body("/giveaway", "verify 1", SLACK_EVE, response_url=slack.response_url)
        assert await slack_post(slack_events_url(port), body) == 200
        verdicts = await slack.wait_for(
            "response_url", where=lambda a: "checks out" in sf.message_text(a)
        )
        assert "the 2 entries" in sf.message_text(verdicts[-1])
