"""An unpin through each real SDK against its fake: Telegram ``unpinChatMessage``
(aiogram and python-telegram-bot), the Discord pin route's DELETE, Slack
``pins.remove``; a message that is not pinned (any more) is done, not an error."""

from __future__ import annotations

from collections.abc import AsyncIterator

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
from townsquare.core.actions import PinMessage, SendMessage, UnpinMessage
from townsquare.core.ports import Adapter, AdapterDeps
from townsquare.core.refs import ChannelRef, MessageRef
from townsquare.core.text import Text

GROUP = ChannelRef(str(p.GROUP["id"]))


async def _posted(adapter: Adapter, bot: str, channel: ChannelRef) -> MessageRef:
    post = SendMessage(bot=bot, channel=channel, text=Text() + "Standup at ten")
    return (await adapter.perform(post)).messages[-1]


@pytest.fixture
async def telegram(api: FakeBotApi, backend: str) -> AsyncIterator[Adapter]:
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    adapter = adapter_factory(backend)(bot_config(api, backend), AdapterDeps(commands=COMMANDS))
    try:
        yield adapter
    finally:
        await adapter.close()


async def test_telegram_unpins_the_one_before_and_keeps_the_new_pin(
    api: FakeBotApi, telegram: Adapter
) -> None:
    first = await _posted(telegram, "tg", GROUP)
    second = await _posted(telegram, "tg", GROUP)
    await telegram.perform(PinMessage(bot="tg", channel=GROUP, message=first))
    await telegram.perform(PinMessage(bot="tg", channel=GROUP, message=second))
    unpin = UnpinMessage(bot="tg", channel=GROUP, message=first)
    assert (await telegram.perform(unpin)).messages == (first,)
    await telegram.perform(unpin)  # not pinned any more: done
    assert api.called("unpinChatMessage")[0] == {
        "chat_id": int(GROUP.id),
        "message_id": int(first.message_id),
    }
    assert api.pinned[int(GROUP.id)] == [(int(second.message_id), True)]


async def test_discord_unpins_and_a_message_not_pinned_is_done(
    fake: FakeDiscord, world: World
) -> None:
    running = await start_adapter(fake)
    try:
        general = ChannelRef(str(world.general_id))
        fake.let_bot_pin(world.guild)
        first = await _posted(running.adapter, "dc", general)
        second = await _posted(running.adapter, "dc", general)
        for message in (first, second):
            await running.adapter.perform(PinMessage(bot="dc", channel=general, message=message))
        unpin = UnpinMessage(bot="dc", channel=general, message=first)
        await running.adapter.perform(unpin)
        await running.adapter.perform(unpin)  # not pinned: 204 again
        assert fake.pins(world.general_id) == [int(second.message_id)]
        assert fake.find_requests(
            "DELETE", rf"/channels/{world.general_id}/messages/pins/{first.message_id}", status=204
        )
    finally:
        await running.adapter.close()


async def test_slack_unpins_and_no_pin_is_done(slack: FakeSlack, port: int) -> None:
    config = slack_config(
        token=slack.token, signing_secret=SECRET, listen=f"127.0.0.1:{port}", api_url=slack.url
    )
    adapter = SlackAdapter(config, AdapterDeps())
    try:
        channel = ChannelRef("C0GENERAL")
        first = await _posted(adapter, "sl", channel)
        second = await _posted(adapter, "sl", channel)
        for message in (first, second):
            await adapter.perform(PinMessage(bot="sl", channel=channel, message=message))
        unpin = UnpinMessage(bot="sl", channel=channel, message=first)
        await adapter.perform(unpin)
        await adapter.perform(unpin)  # no_pin: done
        assert slack.pins == {"C0GENERAL": [second.message_id]}
        (call, _again) = slack.called("pins.remove")
        assert call["channel"] == "C0GENERAL" and call["timestamp"] == first.message_id
    finally:
        await adapter.close()
