"""Every poll the grammar accepts reaches every platform, end to end through the real SDKs
and the fakes: ten options (one of them as long as an option may be) render within each
platform's limits, in order with Retract last, and take votes; and a poll the platform
refuses reaches the manager who asked for it, privately, with the platform's reason."""

from __future__ import annotations

import shlex
from typing import Any

from tests.discord.conftest import World
from tests.fakes.bots import (
    discord_runtime,
    running,
    slack_bot,
    slack_button_values,
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
from townsquare.core.polls import rules

LONG = "Somewhere " * 9 + "far away!"
OPTIONS = ["Pizza", "Sushi", "Tacos", "Ramen", "Curry", "Pasta", "Salad", "Soup", "Dim sum", LONG]
COMMAND = shlex.join(["Where do we eat?", *OPTIONS])
VALUES = [f"poll:1:{n}" for n in range(10)] + ["poll:1:r"]
REFUSED_START = "I could not post your poll #1 Where do we eat?: the platform refused it."
GROUP_ID = int(str(p.GROUP["id"]))
assert len(OPTIONS) == rules.MAX_OPTIONS and len(LONG) <= rules.MAX_OPTION


# -- Telegram ---------------------------------------------------------------------------


async def test_telegram_shows_ten_options_one_a_row_in_full_and_counts_votes(
    api: FakeBotApi, backend: str, sqlite_url: str
) -> None:
    api.administrators[GROUP_ID] = [p.owner(p.ADMIN)]
    async with running(sqlite_url, telegram_bot(api, backend)):
        await api.push(p.command(f"/poll {COMMAND}", user=p.ADMIN))
        (poll,) = await api.wait_for("sendMessage")
        keyboard = poll["reply_markup"]["inline_keyboard"]
        assert [[b["callback_data"] for b in row] for row in keyboard] == [[v] for v in VALUES]
        assert keyboard[9][0]["text"] == f"10. {LONG}", "the whole option, on a row of its own"

        await api.push(p.callback("poll:1:9", user=p.ALICE, message_id=500))
        (toast,) = await api.wait_for("answerCallbackQuery")
        assert toast["text"] == "Vote recorded"
        (edit,) = await api.wait_for("editMessageText")
        assert f"10. {LONG} — 1" in edit["text"]
        assert [
            [b["callback_data"] for b in r] for r in edit["reply_markup"]["inline_keyboard"]
        ] == [[v] for v in VALUES]


async def test_telegram_tells_the_manager_privately_when_the_group_refuses_the_poll(
    api: FakeBotApi, backend: str, sqlite_url: str
) -> None:
    api.administrators[GROUP_ID] = [p.owner(p.ADMIN)]
    refusal = "Bad Request: not enough rights to send text messages to the chat"
    api.fail("sendMessage", 400, refusal)
    async with running(sqlite_url, telegram_bot(api, backend)):
        await api.push(p.command('/poll "Where do we eat?" Pizza Sushi', user=p.ADMIN))
        refused, notice = await api.wait_for("sendMessage", 2)
        assert refused["chat_id"] == GROUP_ID
        assert notice["chat_id"] == p.ADMIN["id"], "privately, to the manager"
        assert notice["text"].startswith(
            REFUSED_START.replace("Where", "<b>Where").replace("?:", "?</b>:")
        )
        assert (
            "<code>" in notice["text"] and refusal[len("Bad Request: ") :] in notice["text"].lower()
        )


# -- Discord ----------------------------------------------------------------------------


def _polls(fake: FakeDiscord, world: World) -> list[dict[str, Any]]:
    return [m for m in fake.messages_in(world.general_id) if m["components"]]


async def test_discord_fits_ten_options_and_retract_in_five_rows_and_counts_votes(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    guild = world.guild
    options = {f"option{n}": option for n, option in enumerate(OPTIONS, 1)}
    async with discord_runtime(fake, guild, sqlite_url):
        await fake.slash(
            guild, "general", world.mod_id, "poll create", question="Where do we eat?", **options
        )
        (poll,) = await fake.wait_for(lambda: _polls(fake, world), timeout=15)
        rows = [[c["custom_id"] for c in row["components"]] for row in poll["components"]]
        assert rows == [VALUES[0:3], VALUES[3:6], VALUES[6:8], VALUES[8:10], ["poll:1:r"]]
        labels = [c["label"] for row in poll["components"] for c in row["components"]]
        assert labels[9] == f"10. {LONG}"[:79] + "…", "cut to Discord's 80 characters"

        press = await fake.press(guild, poll, world.alice_id, "poll:1:9")
        (toast,) = await fake.wait_request("POST", rf"/webhooks/\d+/{press.payload['token']}")
        assert toast.json["content"] == "Vote recorded"
        await fake.wait_for(
            lambda: [
                m
                for m in fake.messages_in(world.general_id)
                if f"10. {LONG} — 1" in fake.shown(m["content"])
            ],
            timeout=15,
        )


async def test_discord_tells_the_manager_privately_when_the_channel_refuses_the_poll(
    fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    guild = world.guild
    async with discord_runtime(fake, guild, sqlite_url):
        fake.inject(
            "POST",
            rf"/channels/{world.general_id}/messages",
            403,
            {"message": "Missing Permissions", "code": 50013},
        )
        await fake.slash(
            guild, "general", world.mod_id, "poll create", question="Where do we eat?",
            option1="Pizza", option2="Sushi",
        )  # fmt: skip

        def notices() -> list[dict[str, Any]]:
            return [
                m
                for m in fake.bot_messages()
                if fake.shown(m["content"]).startswith("I could not post your poll #1")
            ]

        (notice,) = await fake.wait_for(notices, timeout=15)
        channel = fake.channels[int(notice["channel_id"])]
        assert channel["type"] == 1 and channel["recipients"][0]["id"] == str(world.mod_id)
        shown = fake.shown(notice["content"])
        assert shown.startswith(REFUSED_START.replace("Where", "**Where").replace("?:", "?**:"))
        assert "Missing Permissions" in shown and not _polls(fake, world)


# -- Slack ------------------------------------------------------------------------------


async def test_slack_shows_ten_options_with_retract_last_and_counts_votes(
    slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    url = slack_events_url(port)
    async with running(sqlite_url, slack_bot(slack, port)):
        body = sf.command_body("/poll", COMMAND, OLGA, response_url=slack.response_url)
        assert await slack_post(url, body) == 200
        (poll,) = await slack.wait_for("chat.postMessage")
        assert slack_button_values(poll) == VALUES
        actions = [b for b in poll["blocks"] if b["type"] == "actions"]
        assert [e["value"] for e in actions[-1]["elements"]] == ["poll:1:r"], "Retract last"
        labels = [e["text"]["text"] for block in actions for e in block["elements"]]
        assert labels[9] == f"10. {LONG}"[:74] + "…", "cut to Slack's 75 characters"

        press = sf.block_actions(
            "poll:1:9", ALICE, response_url=slack.response_url, ts=slack.posted[0]
        )
        assert await slack_interaction(port, press) == 200
        (toast,) = await slack.wait_for("response_url")
        assert toast["text"] == "Vote recorded"
        (edit,) = await slack.wait_for("chat.update")
        assert f"10. {LONG} — 1" in sf.message_text(edit)
        assert slack_button_values(edit) == VALUES


async def test_slack_tells_the_manager_privately_when_the_channel_refuses_the_poll(
    slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    slack.fail("chat.postMessage", 200, "not_in_channel")
    async with running(sqlite_url, slack_bot(slack, port)):
        body = sf.command_body(
            "/poll", '"Where do we eat?" Pizza Sushi', OLGA, response_url=slack.response_url
        )
        assert await slack_post(slack_events_url(port), body) == 200
        refused, notice = await slack.wait_for("chat.postMessage", 2)
        assert refused["channel"] == "C0GENERAL"
        (opened,) = slack.called("conversations.open")
        assert opened["users"] == OLGA and notice["channel"] != "C0GENERAL"
        text = sf.message_text(notice)
        assert text.startswith(REFUSED_START) and "not_in_channel" in text
