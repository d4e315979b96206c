"""An announcement through the real SDKs and the fakes: asked for in the Telegram group,
posted, pinned and (on Discord's announcement channel) published to followers on Telegram,
Discord and Slack at once, each rendered for its platform with nothing pinging anyone."""

from __future__ import annotations

from typing import Any

from tests.discord.conftest import World
from tests.fakes.bots import config, discord_bot, discord_ready, slack_bot, telegram_bot
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import server as sf
from tests.fakes.slack.server import FakeSlack
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from townsquare.bots.runtime import Runtime

GROUP_ID = int(str(p.GROUP["id"]))
TEXT = "Town hall at 19:00 @everyone <!channel> <b>all</b> **welcome**"


def _space(world: World, news: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": "town",
            "communities": [
                f"tg:{GROUP_ID}",
                f"dc:{world.guild.id}/{news['id']}",
                f"sl:{sf.TEAM}/C0GENERAL",
            ],
        }
    ]


async def test_one_announcement_posted_pinned_and_published_on_every_platform(
    api: FakeBotApi,
    backend: str,
    fake: FakeDiscord,
    world: World,
    slack: FakeSlack,
    port: int,
    sqlite_url: str,
) -> None:
    api.administrators[GROUP_ID] = [p.owner(p.ADMIN)]
    news = fake.announcement_channel(world.guild, "news")
    fake.let_bot_pin(world.guild)
    bots = telegram_bot(api, backend), discord_bot(fake), slack_bot(slack, port)
    settings = config(sqlite_url, *bots, spaces=_space(world, news))  # type: ignore[arg-type]
    async with Runtime(settings):
        await discord_ready(fake, world.guild)
        await api.push(p.command(f"/announce --pin --space {TEXT}", user=p.ADMIN))

        (telegram_pin,) = await api.wait_for("pinChatMessage", timeout=15)
        posted = [m for m in api.called("sendMessage") if "Town hall" in m["text"]]
        (telegram,) = posted
        assert telegram["chat_id"] == GROUP_ID
        assert "&lt;b&gt;all&lt;/b&gt;" in telegram["text"], "HTML escaped, not markup"
        pinned = api.pinned[GROUP_ID]
        assert len(pinned) == 1 and pinned[0][1] is True, "pinned once, silently"
        assert telegram_pin["chat_id"] == GROUP_ID

        await fake.wait_for(lambda: fake.crossposts and fake.pins(news["id"]), timeout=15)
        (discord,) = fake.messages_in(news["id"])
        # As typed, with the @everyone Discord would parse broken by a zero-width space.
        assert fake.shown(discord["content"]) == TEXT.replace("@everyone", "@\u200beveryone")
        assert discord["pings"] == {"everyone": False, "users": [], "roles": []}
        assert fake.pins(news["id"]) == [int(discord["id"])]
        assert fake.crossposts == [(int(news["id"]), int(discord["id"]))]

        (slack_pin,) = await slack.wait_for("pins.add", timeout=15)
        (slack_post,) = [c for c in slack.called("chat.postMessage") if "Town hall" in str(c)]
        assert slack_post["channel"] == "C0GENERAL"
        assert sf.message_text(slack_post) == TEXT
        assert sf.pings(slack_post) == {"users": [], "broadcast": []}, "<!channel> stays text"
        assert slack.pins == {"C0GENERAL": [slack_pin["timestamp"]]}
        assert slack_pin["timestamp"] == slack.posted[0]

        # The manager's answer: the id and the three communities (public on Telegram).
        sent = await api.wait_for("sendMessage", 2, timeout=15)
        (answer,) = [m for m in sent if "Announcement #1" in m["text"]]
        assert "It goes to 3 communities of the space town." in answer["text"]
