"""Shared scenarios and actions through the aiogram backend against the fake Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.types import Update

from adapters.telegram.config import TelegramBotConfig
from adapters.telegram.inbound import ALLOWED_UPDATES
from bots.platforms import adapter_factory
from core.events import Event, MemberJoined
from core.ports import Adapter, AdapterDeps
from core.refs import ChannelRef, CommunityRef, PlatformRole
from tests.conformance import scenarios as s
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi


def config(api: FakeBotApi, platform: str, **extra: Any) -> TelegramBotConfig:
    return TelegramBotConfig(
        name="tg", platform=platform, token=api.token, api_url=api.url, poll_timeout=1, **extra
    )


class Collector:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.changed = asyncio.Condition()

    async def __call__(self, event: Event) -> None:
        async with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    async def wait(self, count: int) -> list[Event]:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: len(self.events) >= count), 10)
        return self.events


@pytest.fixture
async def running(api: FakeBotApi, backend: str) -> AsyncIterator[tuple[Adapter, Collector]]:
    api.administrators[p.GROUP["id"]] = [p.owner(p.ADMIN)]
    adapter = adapter_factory(backend)(config(api, backend), AdapterDeps())
    sink = Collector()
    await adapter.start(sink)
    yield adapter, sink
    await adapter.stop()
    await adapter.close()


@pytest.mark.parametrize("name", sorted(p.SCENARIO_UPDATES))
def test_payloads_parse_under_the_pinned_aiogram(name: str) -> None:
    Update.model_validate({"update_id": 1, **p.SCENARIO_UPDATES[name]})


def test_fake_administrators_parse() -> None:
    from aiogram.types import ChatMemberAdministrator, ChatMemberOwner

    ChatMemberAdministrator.model_validate(p.administrator(p.ALICE))
    ChatMemberOwner.model_validate(p.owner(p.ADMIN))


@pytest.mark.parametrize("scenario", s.SCENARIOS, ids=lambda sc: sc.name)
async def test_scenario(
    scenario: s.Scenario, api: FakeBotApi, backend: str, running: tuple[Adapter, Collector]
) -> None:
    _adapter, sink = running
    await api.push(p.SCENARIO_UPDATES[scenario.name])
    events = await sink.wait(1)
    s.assert_conforms(events, scenario, platform=backend, bot="tg")


async def test_polling_asks_for_member_updates(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    _adapter, sink = running
    await api.push(p.message("hello"))
    await sink.wait(1)
    assert api.allowed_updates is not None
    assert set(ALLOWED_UPDATES) <= set(api.allowed_updates)
    assert {"chat_member", "my_chat_member", "message_reaction", "callback_query"} <= set(
        api.allowed_updates
    )


async def test_one_join_is_one_member_joined(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    _adapter, sink = running
    await api.push(p.join_service_message(p.ALICE))
    await api.push(p.chat_member(p.ALICE, "left", "member"))
    await api.push(p.message("after the join"))
    events = await sink.wait(2)
    assert [type(e).__name__ for e in events] == ["MemberJoined", "MessagePosted"]


async def test_commands_for_other_bots_are_ignored_and_roles_come_from_admins(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    _adapter, sink = running
    await api.push(p.command("/help@other_bot"))
    await api.push(p.command("/help@Town_Bot", user=p.ADMIN))
    await api.push(p.command("/settings"))
    events = await sink.wait(2)
    help_event, settings_event = events
    assert getattr(help_event, "name", None) == "help"
    assert help_event.actor is not None and help_event.actor.platform_role is PlatformRole.OWNER
    assert settings_event.actor is not None
    assert settings_event.actor.platform_role is PlatformRole.MEMBER


async def test_bad_updates_do_not_stop_the_poller(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    _adapter, sink = running
    await api.push({"message": {**p.message("x")["message"], "from": None, "sender_chat": p.GROUP}})
    await api.push({"message": {**p.message("sticker")["message"], "text": None, "sticker": None}})
    await api.push(p.message("é" * 20_000))
    await api.push(p.message("still here"))
    events = await sink.wait(2)
    assert [getattr(e, "text", "")[:5] for e in events] == ["é" * 5, "still"]
    assert len(getattr(events[0], "text", "")) <= 16_384


async def test_actions_become_bot_api_calls(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    adapter, _sink = running
    group = ChannelRef(str(p.GROUP["id"]))
    actions = s.conformance_actions(
        bot="tg",
        community=CommunityRef("telegram", str(p.GROUP["id"])),
        channel=group,
        message_id="42",
        user_id=str(p.EVE["id"]),
    )
    for action in actions.values():
        await adapter.perform(action)

    sends = api.called("sendMessage")
    greeting = sends[0]
    assert greeting["parse_mode"] == "HTML"
    assert "&lt;b&gt;*Eve*&lt;/b&gt; &lt;!channel&gt;" in greeting["text"]
    assert f'<a href="tg://user?id={p.EVE["id"]}">' in greeting["text"]
    assert "<b>Be kind</b>" in greeting["text"]
    rows = greeting["reply_markup"]["inline_keyboard"]
    assert [[b["callback_data"] for b in row] for row in rows] == [
        ["poll:7:0", "poll:7:1"],
        ["poll:7:r"],
    ]
    long_parts = [m["text"] for m in sends if m["text"].startswith("word")]
    assert len(long_parts) == 25 and all(len(part) <= 4096 for part in long_parts)
    assert api.called("editMessageText")[0]["message_id"] == 42
    assert api.called("deleteMessage")[0]["message_id"] == 42
    assert api.called("answerCallbackQuery")[0]["text"] == "Vote recorded"
    assert sends[-1]["chat_id"] == p.EVE["id"]  # the direct message
    restrict, unrestrict = api.called("restrictChatMember")
    assert restrict["permissions"]["can_send_messages"] is False
    assert unrestrict["permissions"]["can_send_messages"] is True
    assert api.called("banChatMember") and api.called("unbanChatMember")[0]["only_if_banned"]


async def test_errors_become_core_errors(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    from core.actions import EditMessage, SendDirect, SendMessage
    from core.errors import DirectMessageRefused, PermanentDeliveryError, RateLimited
    from core.refs import MessageRef
    from core.text import as_text

    adapter, _sink = running
    group = ChannelRef(str(p.GROUP["id"]))
    api.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RateLimited) as limited:
        await adapter.perform(SendMessage(bot="tg", channel=group, text=as_text("hi")))
    assert limited.value.retry_after == 7
    api.fail("sendMessage", 403, "Forbidden: bot can't initiate conversation with a user")
    with pytest.raises(DirectMessageRefused):
        await adapter.perform(
            SendDirect(bot="tg", user_id="1002", display_name="Eve", text=as_text("psst"))
        )
    api.fail("sendMessage", 400, "Bad Request: chat not found")
    with pytest.raises(PermanentDeliveryError):
        await adapter.perform(SendMessage(bot="tg", channel=group, text=as_text("hi")))
    api.fail("editMessageText", 400, "Bad Request: message is not modified")
    await adapter.perform(
        EditMessage(bot="tg", message=MessageRef(group, "42"), text=as_text("same"))
    )


async def test_join_event_id_is_shared_by_both_join_updates() -> None:
    from adapters.telegram.inbound import BotIdentity, JoinDeduplicator, TelegramMapper

    first = TelegramMapper("telegram", "tg", BotIdentity(1, "town_bot"))
    second = TelegramMapper("telegram", "tg", BotIdentity(1, "town_bot"), JoinDeduplicator())
    (a,) = first.map({"update_id": 1, **p.join_service_message(p.ALICE)})
    (b,) = second.map({"update_id": 2, **p.chat_member(p.ALICE, "left", "member")})
    assert isinstance(a, MemberJoined) and isinstance(b, MemberJoined)
    assert a.event_id == b.event_id, "the core's de-duplication drops the second"
