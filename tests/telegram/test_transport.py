"""Both backends against the fake Bot API: what the transports add to the mapping."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.telegram.conftest import Collector, bot_config
from townsquare.adapters.telegram.config import TelegramBotConfig
from townsquare.bots.platforms import adapter_factory
from townsquare.core.actions import Button, EditMessage, SendDirect, SendMessage
from townsquare.core.errors import (
    DirectMessageRefused,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
)
from townsquare.core.events import CommandIssued, Event, MemberJoined, MemberLeft, MessagePosted
from townsquare.core.ports import Adapter, AdapterDeps
from townsquare.core.refs import ChannelRef, MessageRef, PlatformRole
from townsquare.core.text import as_text

# PTB 22 warns from inside its own RetryAfter constructor that retry_after becomes a
# timedelta in its next major version; the adapter already reads either type.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

GROUP = ChannelRef(str(p.GROUP["id"]))


def kinds(events: list[Event]) -> list[str]:
    return [event.kind for event in events]


async def test_polling_asks_for_member_updates(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    """PTB does not ask for chat_member by default; without it joins never arrive."""
    _adapter, sink = running
    await api.push(p.message("hello"))
    await sink.wait(1)
    assert api.allowed_updates is not None
    assert {"chat_member", "my_chat_member", "message_reaction", "callback_query"} <= set(
        api.allowed_updates
    )


async def test_one_join_and_one_leave_are_one_event_each(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    _adapter, sink = running
    await api.push(p.join_service_message(p.ALICE))
    await api.push(p.chat_member(p.ALICE, "left", "member"))
    await api.push(p.leave_service_message(p.ALICE))
    await api.push(p.chat_member(p.ALICE, "member", "left"))
    await api.push(p.chat_member(p.ALICE, "left", "member"))  # she comes back
    await api.push(p.message("after all that"))
    events = await sink.wait(4)
    assert kinds(events) == ["MemberJoined", "MemberLeft", "MemberJoined", "MessagePosted"]
    first, _left, again, _message = events
    assert first.event_id != again.event_id, "a rejoin is a new join, even in the same minute"


async def test_commands_for_other_bots_are_ignored_and_roles_come_from_admins(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    _adapter, sink = running
    await api.push(p.command("/help@other_bot"))
    await api.push(p.command("/help@Town_Bot", user=p.ADMIN))
    await api.push(p.command("/settings"))
    events = await sink.wait(2)
    help_event, settings_event = events
    assert isinstance(help_event, CommandIssued) and help_event.name == "help"
    assert help_event.actor is not None and help_event.actor.platform_role is PlatformRole.OWNER
    assert settings_event.actor is not None
    assert settings_event.actor.platform_role is PlatformRole.MEMBER


async def test_a_promotion_refreshes_the_cached_roles(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    _adapter, sink = running
    await api.push(p.command("/settings"))
    await sink.wait(1)
    api.administrators[p.GROUP["id"]].append(p.administrator(p.ALICE))
    await api.push(p.EXTRA_UPDATES["promoted"])
    await api.push(p.command("/settings"))
    before, after = await sink.wait(2)
    assert before.actor is not None and before.actor.platform_role is PlatformRole.MEMBER
    assert after.actor is not None and after.actor.platform_role is PlatformRole.ADMIN
    assert len(api.called("getChatAdministrators")) == 2


async def test_administrators_are_fetched_once_for_a_burst(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    _adapter, sink = running
    for index in range(30):
        await api.push(p.message(f"message {index}", message_id=100 + index))
    events = await sink.wait(30)
    assert len(api.called("getChatAdministrators")) == 1
    texts = [getattr(event, "text", "") for event in events]
    assert texts == [f"message {index}" for index in range(30)], "order kept"


async def test_anonymous_admins_are_managers_and_channel_copies_are_nobody(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    _adapter, sink = running
    await api.push(p.automatic_forward("News from the channel"))
    await api.push(p.anonymous_admin_command("/settings"))
    (event,) = await sink.wait(1)
    assert isinstance(event, CommandIssued) and event.name == "settings"
    assert event.actor is not None and event.actor.platform_role is PlatformRole.ADMIN
    assert event.actor.display_name == "Town Square"


async def test_bad_updates_do_not_stop_the_poller(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    _adapter, sink = running
    no_sender = p.message("nobody wrote this")
    del no_sender["message"]["from"]
    await api.push(no_sender)
    sticker = p.message("")
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {
        "file_id": "CAACAgIAAxkBAAE",
        "file_unique_id": "AgADWQADwDZPEw",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    await api.push(sticker)
    anonymous_reaction = p.reaction("👍")
    del anonymous_reaction["message_reaction"]["user"]
    anonymous_reaction["message_reaction"]["actor_chat"] = p.GROUP
    await api.push(anonymous_reaction)
    await api.push(p.message("é" * 20_000))
    await api.push(p.message("still here"))
    events = await sink.wait(2)
    assert [getattr(e, "text", "")[:5] for e in events] == ["é" * 5, "still"]
    assert len(getattr(events[0], "text", "")) <= 16_384


async def test_a_topic_message_is_answered_in_its_topic(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    adapter, sink = running
    await api.push(p.topic_message("which topic?"))
    (event,) = await sink.wait(1)
    assert isinstance(event, MessagePosted) and event.reply_to is None
    assert event.channel is not None and event.channel.thread_id == "55"
    delivered = await adapter.perform(
        SendMessage(bot="tg", channel=event.channel, text=as_text("here"), reply_to=event.message)
    )
    (call,) = api.called("sendMessage")
    assert call["message_thread_id"] == 55 and call["reply_parameters"]["message_id"] == 60
    assert delivered.messages[0].channel.thread_id == "55"


async def test_errors_become_core_errors(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    adapter, _sink = running
    hello = SendMessage(bot="tg", channel=GROUP, text=as_text("hi"))
    api.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RateLimited) as limited:
        await adapter.perform(hello)
    assert limited.value.retry_after == 7
    api.unreachable_users.add(p.EVE["id"])
    with pytest.raises(DirectMessageRefused):
        await adapter.perform(
            SendDirect(bot="tg", user_id=str(p.EVE["id"]), display_name="Eve", text=as_text("x"))
        )
    api.fail("sendMessage", 400, "Bad Request: chat not found")
    with pytest.raises(PermanentDeliveryError) as permanent:
        await adapter.perform(hello)
    assert not isinstance(permanent.value, DirectMessageRefused)
    api.fail("sendMessage", 502, "Bad Gateway")
    with pytest.raises(TransientDeliveryError):
        await adapter.perform(hello)
    calls = len(api.calls)
    too_big = SendMessage(
        bot="tg", channel=GROUP, text=as_text("vote"), buttons=((Button("A", "x" * 65),),)
    )
    with pytest.raises(PermanentDeliveryError):
        await adapter.perform(too_big)
    assert len(api.calls) == calls, "refused before any request"


async def test_an_edit_that_changes_nothing_is_not_an_error(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    adapter, _sink = running
    edit = EditMessage(bot="tg", message=MessageRef(GROUP, "42"), text=as_text("Tally: 3"))
    first = await adapter.perform(edit)
    again = await adapter.perform(edit)  # the fake answers "message is not modified"
    assert first == again
    assert len(api.called("editMessageText")) == 2


async def test_a_group_upgraded_to_a_supergroup_gets_the_message(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    adapter, _sink = running
    api.migrated[-4242] = -1004242
    delivered = await adapter.perform(
        SendMessage(bot="tg", channel=ChannelRef("-4242"), text=as_text("still here?"))
    )
    old, new = api.called("sendMessage")
    assert (old["chat_id"], new["chat_id"]) == (-4242, -1004242)
    assert delivered.messages[0].channel.id == "-1004242"


async def test_the_command_menu_depends_on_the_role(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    assert [c["command"] for c in api.commands["default"]] == ["help"]
    assert [c["command"] for c in api.commands["all_chat_administrators"]] == ["help", "settings"]


async def test_stop_lets_updates_in_flight_reach_the_core(api: FakeBotApi, backend: str) -> None:
    """Telegram already counts these updates as delivered: dropping them would lose them."""
    api.administrators[p.GROUP["id"]] = []
    gate = asyncio.Event()
    entered: list[Event] = []
    committed: list[Event] = []
    arrived = asyncio.Condition()

    async def slow_sink(event: Event) -> None:
        async with arrived:
            entered.append(event)
            arrived.notify_all()
        await gate.wait()
        committed.append(event)

    adapter = adapter_factory(backend)(bot_config(api, backend), AdapterDeps())
    await adapter.start(slow_sink)
    for index in range(3):
        await api.push(p.message(f"in flight {index}", message_id=200 + index))
    async with arrived:
        await asyncio.wait_for(arrived.wait_for(lambda: len(entered) == 3), 10)
    stopping = asyncio.create_task(adapter.stop())
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(stopping), 0.3)
    gate.set()
    await asyncio.wait_for(stopping, 10)
    await adapter.close()
    assert len(committed) == 3


async def test_a_rejected_token_is_reported_without_the_token(
    api: FakeBotApi, backend: str
) -> None:
    config = TelegramBotConfig(name="tg", platform=backend, token="999:wrong", api_url=api.url)
    adapter = adapter_factory(backend)(config, AdapterDeps())
    with pytest.raises(RuntimeError, match="rejected the token") as error:
        await adapter.start(Collector())
    assert "999:wrong" not in str(error.value)


def _events_of(kind: type[Event], events: list[Event]) -> list[Any]:
    return [event for event in events if isinstance(event, kind)]


async def test_kick_is_a_removal_by_the_admin(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    _adapter, sink = running
    await api.push(p.EXTRA_UPDATES["kicked"])
    await api.push(p.chat_member(p.EVE, "left", "member"))
    events = await sink.wait(2)
    (left,) = _events_of(MemberLeft, events)
    assert left.removed and left.actor is not None and left.actor.user_id == str(p.ADMIN["id"])
    (joined,) = _events_of(MemberJoined, events)
    assert joined.member.display_name == p.EVE["first_name"]
