"""A pin, and a publication to an announcement channel's followers, through each real SDK
against its fake: Telegram ``pinChatMessage`` (aiogram and python-telegram-bot), the
Discord pin route, Slack ``pins.add``; refusals become the core's permanent errors (the
manager is told), repeats are harmless, and Discord's publish limit is a 429 the delivery
worker waits out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import unquote

import pytest

from tests.discord.conftest import World, start_adapter
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack.server import FakeSlack
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.slack.conftest import SECRET, slack_config
from tests.telegram.conftest import COMMANDS, bot_config
from townsquare.adapters.slack.transport import SlackAdapter
from townsquare.bots.platforms import adapter_factory
from townsquare.core.actions import CrosspostMessage, PinMessage, SendMessage
from townsquare.core.errors import PermanentDeliveryError, RateLimited
from townsquare.core.ports import Adapter, AdapterDeps
from townsquare.core.refs import ChannelRef, MessageRef
from townsquare.core.text import Text

GROUP = ChannelRef(str(p.GROUP["id"]))


def _post(bot: str, channel: ChannelRef) -> SendMessage:
    return SendMessage(bot=bot, channel=channel, text=Text() + "Meetup on Friday @everyone")


async def _posted(adapter: Adapter, bot: str, channel: ChannelRef) -> MessageRef:
    delivered = await adapter.perform(_post(bot, channel))
    return delivered.messages[-1]


@pytest.fixture
async def telegram(api: FakeBotApi, backend: str) -> AsyncIterator[Adapter]:
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    adapter = adapter_factory(backend)(bot_config(api, backend), AdapterDeps(commands=COMMANDS))
    try:
        yield adapter
    finally:
        await adapter.close()


async def test_telegram_pins_silently_and_a_second_pin_changes_nothing(
    api: FakeBotApi, telegram: Adapter
) -> None:
    message = await _posted(telegram, "tg", GROUP)
    pin = PinMessage(bot="tg", channel=GROUP, message=message)
    assert (await telegram.perform(pin)).messages == (message,)
    await telegram.perform(pin)
    (call, _again) = api.called("pinChatMessage")
    assert call == {
        "chat_id": int(GROUP.id),
        "message_id": int(message.message_id),
        "disable_notification": True,
    }
    assert api.pinned[int(GROUP.id)] == [(int(message.message_id), True)]


async def test_telegram_without_the_right_to_pin_is_a_refusal(
    api: FakeBotApi, telegram: Adapter
) -> None:
    message = await _posted(telegram, "tg", GROUP)
    api.cannot_pin.add(int(GROUP.id))
    with pytest.raises(PermanentDeliveryError, match=r"(?i)not enough rights"):
        await telegram.perform(PinMessage(bot="tg", channel=GROUP, message=message))
    assert int(GROUP.id) not in api.pinned


async def test_discord_pins_with_the_permission_and_refuses_without(
    fake: FakeDiscord, world: World
) -> None:
    running = await start_adapter(fake)
    try:
        general = ChannelRef(str(world.general_id))
        message = await _posted(running.adapter, "dc", general)
        pin = PinMessage(bot="dc", channel=general, message=message)
        with pytest.raises(PermanentDeliveryError, match="50013"):
            await running.adapter.perform(pin)
        assert fake.pins(world.general_id) == []
        fake.let_bot_pin(world.guild)
        await running.adapter.perform(pin)
        await running.adapter.perform(pin)  # pinned already: answered 204 again
        assert fake.pins(world.general_id) == [int(message.message_id)]
        (request, *_rest) = fake.find_requests(
            "PUT", rf"/channels/{world.general_id}/messages/pins/{message.message_id}", status=204
        )
        assert unquote(request.headers["X-Audit-Log-Reason"]) == "townsquare: announcement"
    finally:
        await running.adapter.close()


async def test_discord_publishes_only_in_an_announcement_channel(
    fake: FakeDiscord, world: World
) -> None:
    news = fake.announcement_channel(world.guild, "news")
    running = await start_adapter(fake)
    try:
        adapter = running.adapter
        channel = ChannelRef(news["id"])
        message = await _posted(adapter, "dc", channel)
        publish = CrosspostMessage(bot="dc", channel=channel, message=message)
        assert (await adapter.perform(publish)).messages == (message,)
        await adapter.perform(publish)  # published already (400, 40033): done
        assert fake.crossposts == [(int(news["id"]), int(message.message_id))]
        assert not fake.find_requests("GET", rf"/channels/{news['id']}"), "read from the cache"

        general = ChannelRef(str(world.general_id))
        ordinary = await _posted(adapter, "dc", general)
        since = len(fake.requests)
        await adapter.perform(CrosspostMessage(bot="dc", channel=general, message=ordinary))
        assert fake.crossposts == [(int(news["id"]), int(message.message_id))]
        assert fake.requests[since:] == [], "a text channel has no followers: no call"
    finally:
        await adapter.close()


async def test_discords_publish_limit_is_a_rate_limit_to_wait_out(
    fake: FakeDiscord, world: World
) -> None:
    news = fake.announcement_channel(world.guild, "news")
    running = await start_adapter(fake)
    try:
        adapter = running.adapter
        channel = ChannelRef(news["id"])
        for _ in range(10):
            message = await _posted(adapter, "dc", channel)
            await adapter.perform(CrosspostMessage(bot="dc", channel=channel, message=message))
        eleventh = await _posted(adapter, "dc", channel)
        with pytest.raises(RateLimited) as waited:
            await adapter.perform(CrosspostMessage(bot="dc", channel=channel, message=eleventh))
        assert waited.value.retry_after is not None and waited.value.retry_after > 3000
        assert len(fake.crossposts) == 10
    finally:
        await adapter.close()


async def test_slack_pins_once_and_reports_a_refusal(slack: FakeSlack, port: int) -> None:
    config = slack_config(
        token=slack.token, signing_secret=SECRET, listen=f"127.0.0.1:{port}", api_url=slack.url
    )
    adapter = SlackAdapter(config, AdapterDeps())
    try:
        channel = ChannelRef("C0GENERAL")
        message = await _posted(adapter, "sl", channel)
        pin = PinMessage(bot="sl", channel=channel, message=message)
        await adapter.perform(pin)
        await adapter.perform(pin)  # already_pinned: done
        assert slack.pins == {"C0GENERAL": [message.message_id]}
        (call, _again) = slack.called("pins.add")
        assert call["channel"] == "C0GENERAL" and call["timestamp"] == message.message_id

        slack.cannot_pin.add("C0RANDOM")
        elsewhere = await _posted(adapter, "sl", ChannelRef("C0RANDOM"))
        with pytest.raises(PermanentDeliveryError, match="restricted_action"):
            await adapter.perform(
                PinMessage(bot="sl", channel=elsewhere.channel, message=elsewhere)
            )
    finally:
        await adapter.close()
