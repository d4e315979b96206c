"""Files members send: each adapter names them on the event (with a link where the
platform gives one another person can open), and a ticket keeps a line per file."""

from __future__ import annotations

from typing import Any

from tests.discord.conftest import Running, World
from tests.fakes.discord import payloads as dp
from tests.fakes.slack.server import BOT_USER, TEAM
from tests.fakes.telegram import payloads as p
from tests.tickets.support import Bot, Clock, direct, play, said, town, typed
from townsquare.adapters.slack.inbound import SlackMapper
from townsquare.adapters.telegram.inbound import BotIdentity, TelegramMapper
from townsquare.core.actions import SendMessage
from townsquare.core.events import MessagePosted
from townsquare.core.i18n import Translator
from townsquare.core.refs import Actor, Attachment
from townsquare.core.tickets.common import with_files

CDN = "https://cdn.discordapp.com/attachments/1/2/shot.png"


def telegram(update: dict[str, Any]) -> list[Any]:
    mapper = TelegramMapper("telegram", "tg", BotIdentity(777000111, "town_bot"))
    return mapper.map({"update_id": 9, **update}, {})


def test_telegram_files_are_named_without_a_link() -> None:
    photo = p.private_message("")
    message = photo["message"]
    del message["text"]
    message["photo"] = [{"file_id": "AgAD", "file_unique_id": "u", "width": 90, "height": 90}]
    (event,) = telegram(photo)
    assert isinstance(event, MessagePosted)
    assert event.text == "" and event.attachments == (Attachment("photo"),)
    document = p.private_message("")
    message = document["message"]
    del message["text"]
    message["caption"] = "my invoice"
    message["document"] = {"file_id": "BQAD", "file_unique_id": "v", "file_name": "bill.pdf"}
    (event,) = telegram(document)
    assert isinstance(event, MessagePosted)
    assert event.text == "my invoice"
    assert event.attachments == (Attachment("document", "bill.pdf"),)
    # In a group a photo without a caption is still nobody's message to read.
    group = p.message("")
    del group["message"]["text"]
    group["message"]["photo"] = message.get("photo") or [{"file_id": "x", "file_unique_id": "y"}]
    assert telegram(group) == []


def test_slack_files_carry_their_permalink() -> None:
    mapper = SlackMapper("sl", BOT_USER)
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": "D0ALICE",
        "channel_type": "im",
        "user": "U0ALICE",
        "text": "the error",
        "ts": "1700000000.000300",
        "files": [
            {
                "id": "F1",
                "name": "error.png",
                "mimetype": "image/png",
                "permalink": "https://town.slack.com/files/U0ALICE/F1/error.png",
            }
        ],
    }
    body = {"type": "event_callback", "team_id": TEAM, "event_id": "Ev9", "event": event}
    (posted,) = mapper.event(body, lambda user_id: Actor(user_id, "Alice"))
    assert isinstance(posted, MessagePosted)
    assert posted.attachments == (
        Attachment("photo", "error.png", "https://town.slack.com/files/U0ALICE/F1/error.png"),
    )


async def test_discord_files_carry_their_link(running: Running, world: World) -> None:
    fake = world.fake
    user = fake.users[world.alice_id]
    channel = dp.dm_channel(dp.snowflake(), user)
    fake.channels[int(channel["id"])] = channel
    message = dp.message(channel_id=int(channel["id"]), author=user, content="look")
    message["attachments"] = [
        {
            "id": "11",
            "filename": "shot.png",
            "size": 10,
            "url": CDN,
            "proxy_url": CDN,
            "content_type": "image/png",
        }
    ]
    await fake.dispatch("MESSAGE_CREATE", message, guild_id=None)
    (event,) = await running.events.wait_for(lambda e: isinstance(e, MessagePosted))
    assert isinstance(event, MessagePosted)
    assert event.attachments == (Attachment("photo", "shot.png", CDN),)


def test_a_ticket_keeps_a_line_per_file() -> None:
    tr = Translator("en")
    files = (Attachment("photo", "shot.png", CDN), Attachment("voice"))
    assert with_files("see", files, "telegram", tr) == (
        f"see\n📎 photo shot.png: {CDN}\n📎 voice (the file stays on Telegram)"
    )
    assert with_files("", (), "discord", tr) == ""


async def test_a_file_sent_privately_reaches_the_card(database_url: str) -> None:
    clock = Clock()
    tg = Bot("tg", "telegram")
    async with town(database_url, {"tg": tg}, clock) as runtime:
        await play(runtime, typed("tg", "telegram", "-100", "-200", clock.now, "managers", "here"))
        await play(runtime, said("tg", "telegram", "-100", "-100", clock.now, "hi"))
        tg.take()
        event = direct("tg", "telegram", clock.now, "")
        photo = MessagePosted(
            platform=event.platform,
            bot=event.bot,
            event_id=event.event_id,
            occurred_at=event.occurred_at,
            community=None,
            channel=event.channel,
            actor=event.actor,
            message=event.message,
            text="",
            attachments=(Attachment("photo"),),
        )
        await play(runtime, photo)
        (card,) = [a for a in tg.take() if isinstance(a, SendMessage) and a.key == "ticket:1"]
        assert "📎 photo (the file stays on Telegram)" in card.text.plain()
