"""``/poll --space``: one poll posted to every community of a space, on Telegram, Discord
and Slack at once, with one tally that every post shows, each person counted once.

Through the real SDKs and the fakes: a manager starts the poll in the Telegram group;
members vote on Telegram, Discord and Slack; each platform's message ends up showing the
same tally of all three. A member whose Telegram and Slack accounts are one person votes
once, whichever platform they press on; a press on a message that is not one of the
poll's posts counts nowhere."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.discord.conftest import World
from tests.fakes.bots import (
    config,
    discord_bot,
    discord_ready,
    slack_bot,
    slack_interaction,
    telegram_bot,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import server as sf
from tests.fakes.slack.server import FakeSlack
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.slack.conftest import ALICE as SLACK_ALICE
from tests.slack.conftest import EVE as SLACK_EVE
from townsquare.bots.runtime import Runtime
from townsquare.core.refs import CommunityRef
from townsquare.storage.people import SqlPeopleStore, SqlPersonDirectory

GROUP_ID = int(str(p.GROUP["id"]))


def _space(world: World) -> list[dict[str, Any]]:
    return [
        {
            "name": "town",
            "communities": [
                f"tg:{GROUP_ID}",
                f"dc:{world.guild.id}",  # no channel: the guild's welcome channel
                f"sl:{sf.TEAM}/C0GENERAL",
            ],
        }
    ]


def _discord_polls(fake: FakeDiscord, world: World) -> list[dict[str, Any]]:
    return [m for m in fake.messages_in(world.general_id) if m["components"]]


async def _telegram_edit_showing(api: FakeBotApi, parts: tuple[str, ...]) -> None:
    """Wait for an edit of the Telegram poll that shows every one of ``parts``."""
    count = 1
    while True:
        edits = await api.wait_for("editMessageText", count, timeout=15)
        if any(all(part in edit["text"] for part in parts) for edit in edits):
            return
        count = len(edits) + 1


async def _one_person(runtime: Runtime, telegram_user: str, slack_user: str) -> None:
    """Link a Telegram and a Slack account into one person (what /link CODE does)."""
    directory = SqlPersonDirectory()
    async with runtime.store.transaction() as tx:
        keep = await directory.person_of(tx, "telegram", telegram_user)
        merged = await directory.person_of(tx, "slack", slack_user)
        await SqlPeopleStore(tx).merge(keep, merged, datetime.now(UTC))


async def test_a_space_poll_shows_one_tally_on_telegram_discord_and_slack(
    api: FakeBotApi,
    backend: str,
    fake: FakeDiscord,
    world: World,
    slack: FakeSlack,
    port: int,
    sqlite_url: str,
) -> None:
    api.administrators[GROUP_ID] = [p.owner(p.ADMIN)]
    bots = telegram_bot(api, backend), discord_bot(fake), slack_bot(slack, port)
    settings = config(sqlite_url, *bots, spaces=_space(world))  # type: ignore[arg-type]
    async with Runtime(settings, delivery_options={"edit_interval": 0.0}) as runtime:
        await discord_ready(fake, world.guild)
        await _one_person(runtime, str(p.ALICE["id"]), SLACK_ALICE)

        await api.push(p.command('/poll "Lunch?" Pizza Sushi --space', user=p.ADMIN))
        (telegram_poll,) = await api.wait_for("sendMessage")
        assert telegram_poll["chat_id"] == GROUP_ID
        (discord_poll,) = await fake.wait_for(lambda: _discord_polls(fake, world), timeout=15)
        (slack_poll,) = await slack.wait_for("chat.postMessage")
        assert slack_poll["channel"] == "C0GENERAL"
        for text in (telegram_poll["text"], fake.shown(discord_poll["content"])):
            assert "Lunch?" in text and "0 voters" in text
        assert "0 voters" in sf.message_text(slack_poll)

        # Alice votes Pizza on Telegram; a Discord member votes Sushi; Eve votes Pizza on
        # Slack; then Alice presses Sushi on Slack: she is one person, so it moves her vote.
        await api.push(p.callback("poll:1:0", user=p.ALICE, message_id=500))
        (toast,) = await api.wait_for("answerCallbackQuery")
        assert toast["text"] == "Vote recorded"
        press = await fake.press(world.guild, discord_poll, world.alice_id, "poll:1:1")
        (answer,) = await fake.wait_request("POST", rf"/webhooks/\d+/{press.payload['token']}")
        assert answer.json["content"] == "Vote recorded"
        ts = slack.posted[0]
        eve = sf.block_actions("poll:1:0", SLACK_EVE, response_url=slack.response_url, ts=ts)
        assert await slack_interaction(port, eve) == 200
        alice = sf.block_actions("poll:1:1", SLACK_ALICE, response_url=slack.response_url, ts=ts)
        assert await slack_interaction(port, alice) == 200
        toasts = await slack.wait_for("response_url", 2)
        assert [t["text"] for t in toasts] == ["Vote recorded", "Vote moved"]

        final = ("1. Pizza — 1", "2. Sushi — 2", "3 voters")
        await _telegram_edit_showing(api, final)
        await slack.wait_for(
            "chat.update", where=lambda edit: all(part in sf.message_text(edit) for part in final)
        )

        def discord_shows() -> bool:
            (current,) = _discord_polls(fake, world)
            return all(part in fake.shown(current["content"]) for part in final)

        await fake.wait_for(discord_shows, timeout=15)

        # the Telegram group's own poll message is the only one a Telegram press counts on
        await api.push(p.callback("poll:1:0", user=p.EVE, message_id=999))
        toasts = await api.wait_for("answerCallbackQuery", 2)
        assert toasts[-1]["text"] == "This poll no longer exists."


async def test_each_post_of_a_space_poll_speaks_its_communitys_language(
    api: FakeBotApi, backend: str, slack: FakeSlack, port: int, sqlite_url: str
) -> None:
    """The Telegram group speaks Russian, the Slack workspace Italian: a poll started in
    Telegram is posted, updated (by a vote on Slack) and closed in each post's own
    language, whichever community the vote or the close came from."""
    api.administrators[GROUP_ID] = [p.owner(p.ADMIN)]
    space = [{"name": "town", "communities": [f"tg:{GROUP_ID}", f"sl:{sf.TEAM}/C0GENERAL"]}]
    bots = telegram_bot(api, backend), slack_bot(slack, port)
    settings = config(sqlite_url, *bots, spaces=space)  # type: ignore[arg-type]
    async with Runtime(settings, delivery_options={"edit_interval": 0.0}) as runtime:
        async with runtime.store.transaction() as tx:
            now = datetime.now(UTC)
            await tx.set_setting(CommunityRef("telegram", str(GROUP_ID)), "locale", "ru", now)
            await tx.set_setting(CommunityRef("slack", sf.TEAM), "locale", "it", now)

        await api.push(p.command('/poll "Lunch?" Pizza Sushi --space', user=p.ADMIN))
        (telegram_poll,) = await api.wait_for("sendMessage")
        (slack_poll,) = await slack.wait_for("chat.postMessage")
        assert "0 проголосовавших" in telegram_poll["text"]
        assert "0 votanti" in sf.message_text(slack_poll)

        ts = slack.posted[0]
        eve = sf.block_actions("poll:1:0", SLACK_EVE, response_url=slack.response_url, ts=ts)
        assert await slack_interaction(port, eve) == 200
        (toast,) = await slack.wait_for("response_url")
        assert toast["text"] == "Voto registrato"
        await _telegram_edit_showing(api, ("1 проголосовавший",))
        await slack.wait_for("chat.update", where=lambda e: "1 votante" in sf.message_text(e))

        await api.push(p.command("/poll close 1", user=p.ADMIN))
        await slack.wait_for(
            "chat.postMessage", where=lambda m: "Sondaggio #1 chiuso" in sf.message_text(m)
        )
        sent = await api.wait_for("sendMessage", 2)
        assert any("Опрос #1 закрыт" in message["text"] for message in sent)
