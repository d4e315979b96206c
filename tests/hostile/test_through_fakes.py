"""The cases the hostile pass found, end to end through the real SDKs and the fakes: the
manager of another Telegram group, Discord guild or Slack workspace names a poll by id
(results, export, close) and presses a forged poll payload; none of it reaches the poll."""

from __future__ import annotations

from typing import Any

from tests.discord.conftest import World
from tests.fakes.bots import (
    discord_private_answer,
    discord_runtime,
    running,
    slack_bot,
    slack_events_url,
    slack_interaction,
    slack_post,
    telegram_bot,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import server as sf
from tests.fakes.slack.server import FakeSlack
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.slack.conftest import ALICE, OLGA

UNKNOWN = "There is no poll #1."
GONE = "This poll no longer exists."
OTHER_GROUP = {"id": -1009999999999, "title": "Other Town", "type": "supergroup"}
SID = {"id": 2002, "is_bot": False, "first_name": "Sid", "username": "sid"}
"""Owner of the other group, nobody in Town Square."""


def in_chat(update: dict[str, Any], chat: dict[str, Any]) -> dict[str, Any]:
    update["message"]["chat"] = chat
    return update


async def test_telegram_another_groups_owner_cannot_reach_the_poll(
    api: FakeBotApi, backend: str, sqlite_url: str
) -> None:
    group_id, other_id = int(str(p.GROUP["id"])), int(str(OTHER_GROUP["id"]))
    api.administrators[group_id] = [p.owner(p.ADMIN)]
    api.administrators[other_id] = [p.owner(SID)]
    async with running(sqlite_url, telegram_bot(api, backend)):
        await api.push(p.command('/poll "Lunch?" Pizza Sushi', user=p.ADMIN))
        (poll,) = await api.wait_for("sendMessage")
        await api.push(p.callback("poll:1:0", user=p.ALICE, message_id=500))
        await api.wait_for("editMessageText")

        for text in ("/poll results 1", "/poll export 1", "/poll close 1", "/vote 1 2"):
            await api.push(in_chat(p.command(text, user=SID), OTHER_GROUP))
        answers = await api.wait_for("sendMessage", 5)
        assert [m["text"] for m in answers[1:]] == [UNKNOWN] * 4
        assert {int(m["chat_id"]) for m in answers[1:]} == {other_id}
        assert not api.called("sendDocument"), "no voters' names left the group"

        # forged presses: from the other group, and on another message of the group
        await api.push(p.callback("poll:1:1", user=SID, message_id=500, chat=OTHER_GROUP))
        await api.push(p.callback("poll:1:1", user=p.EVE, message_id=42))
        toasts = await api.wait_for("answerCallbackQuery", 3)
        assert [t["text"] for t in toasts[1:]] == [GONE, GONE]

        await api.push(p.command("/poll results 1", user=p.ADMIN))
        results = (await api.wait_for("sendMessage", 6))[-1]
        assert int(results["chat_id"]) == group_id
        assert "Pizza: 1" in results["text"] and "Sushi: 0" in results["text"]
        assert len(api.called("editMessageText")) == 1, "the tally was edited by Alice only"
        assert "closed" not in poll["text"]


async def test_discord_another_guilds_admin_cannot_reach_the_poll(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    guild = world.guild
    other = fake.add_guild("Other Town")
    async with discord_runtime(fake, guild, sqlite_url):
        await fake.wait_request("PUT", rf"/applications/\d+/guilds/{other.id}/commands", timeout=30)
        await fake.slash(
            guild, "general", world.mod_id, "poll create", question="Lunch?",
            option1="Pizza", option2="Sushi",
        )  # fmt: skip
        (poll,) = await fake.wait_for(lambda: _with_buttons(fake, world.general_id), timeout=15)
        await fake.press(guild, poll, world.alice_id, "poll:1:0")
        await fake.wait_request("POST", r"/webhooks/\d+/.+")

        said = []
        for command in ("poll results", "poll export", "poll close"):
            asked = await fake.slash(other, "general", other.owner_id, command, id="1")
            said.append(await discord_private_answer(fake, asked))
        assert said == [UNKNOWN] * 3
        assert not [m for m in fake.bot_messages() if m["attachments"]]

        # a forged press: poll #1's payload on the other guild's own poll message
        await fake.slash(
            other, "general", other.owner_id, "poll create", question="Tea?",
            option1="Yes", option2="No",
        )  # fmt: skip
        other_general = int(other.channel("general")["id"])
        (theirs,) = await fake.wait_for(lambda: _with_buttons(fake, other_general), timeout=15)
        forged = await fake.press(other, theirs, other.owner_id, "poll:1:1")
        (toast,) = await fake.wait_request(
            "POST", rf"/webhooks/\d+/{forged.payload['token']}", timeout=15
        )
        assert toast.json["content"] == GONE

        asked = await fake.slash(guild, "general", world.mod_id, "poll results", id="1")
        results = await discord_private_answer(fake, asked)
        assert "Pizza: 1" in fake.shown(results) and "Sushi: 0" in fake.shown(results)
        mine = fake.messages.get(int(poll["id"]), poll)
        assert "closed" not in fake.shown(mine["content"])


async def test_slack_another_workspaces_admin_cannot_reach_the_poll(
    slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    url = slack_events_url(port)
    sid = "U0SID"
    slack.users[sid] = {**sf.user(sid, "Sid", owner=True), "team_id": "T0OTHER"}
    async with running(sqlite_url, slack_bot(slack, port)):
        body = sf.command_body("/poll", "Lunch? Pizza Sushi", OLGA, response_url=slack.response_url)
        assert await slack_post(url, body) == 200
        await slack.wait_for("chat.postMessage")
        ts = slack.posted[0]
        press = sf.block_actions("poll:1:0", ALICE, response_url=slack.response_url, ts=ts)
        assert await slack_interaction(port, press) == 200
        await slack.wait_for("chat.update")

        for text in ("results 1", "export 1", "close 1"):
            body = sf.command_body(
                "/poll", text, sid, response_url=slack.response_url, channel="C0OTHER",
                team="T0OTHER",
            )  # fmt: skip
            assert await slack_post(url, body) == 200
        answers = await slack.wait_for("response_url", 4)
        assert [a["text"] for a in answers[1:]] == [UNKNOWN] * 3
        assert not slack.called("files.completeUploadExternal")

        forged = sf.block_actions(
            "poll:1:1", sid, response_url=slack.response_url, channel="C0OTHER", ts=ts,
            team="T0OTHER",
        )  # fmt: skip
        assert await slack_interaction(port, forged) == 200
        toasts = await slack.wait_for("response_url", 5)
        assert toasts[-1]["text"] == GONE

        body = sf.command_body("/poll", "results 1", OLGA, response_url=slack.response_url)
        assert await slack_post(url, body) == 200
        # the response_url is used up (5 answers): the bot answers privately instead
        (results,) = await slack.wait_for("chat.postEphemeral")
        assert "Pizza: 1" in results["text"] and "Sushi: 0" in results["text"]
        assert len(slack.called("chat.update")) == 1, "the tally was edited by Alice only"


def _with_buttons(fake: FakeDiscord, channel_id: int | str) -> list[dict[str, Any]]:
    return [m for m in fake.messages_in(channel_id) if m["components"]]
