"""The shared conformance scenarios and actions, through both backends and the fake."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import telegram
from aiogram.types import ChatMemberAdministrator, ChatMemberOwner, Update

from tests.conformance import scenarios as s
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import BOT_USER, FakeBotApi
from tests.telegram.conftest import Collector
from townsquare.adapters.telegram.inbound import BotIdentity, TelegramMapper
from townsquare.core.actions import EditMessage
from townsquare.core.ports import Adapter
from townsquare.core.refs import ChannelRef, CommunityRef, MessageRef
from townsquare.core.text import Text

ALL_UPDATES = {**p.SCENARIO_UPDATES, **p.EXTRA_UPDATES}
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("name", sorted(ALL_UPDATES))
def test_payloads_parse_under_the_pinned_sdks(name: str) -> None:
    """aiogram validates every field strictly; a payload it rejects would stop its poller."""
    update = {"update_id": 1, **ALL_UPDATES[name]}
    Update.model_validate(update)
    parsed = telegram.Update.de_json(update, None)
    assert parsed is not None and parsed.update_id == 1


@pytest.mark.parametrize("name", sorted(ALL_UPDATES))
def test_both_sdks_dumps_map_like_the_raw_json(name: str) -> None:
    """The backends feed the shared mapping their SDK's dump: it must read the same."""
    raw = {"update_id": 1, **ALL_UPDATES[name]}
    aiogram_json = Update.model_validate(raw).model_dump(
        mode="json", exclude_none=True, by_alias=True
    )
    ptb_json = telegram.Update.de_json(raw, None).to_dict()

    def events(update: dict[str, Any]) -> list[Any]:
        mapper = TelegramMapper("telegram", "tg", BotIdentity(BOT_USER["id"], "town_bot"))
        # A callback query carries no date, so its time is the time of mapping.
        return [replace(event, occurred_at=EPOCH) for event in mapper.map(update)]

    expected = events(raw)
    assert expected or name == "automatic_forward" or name == "promoted"
    assert events(aiogram_json) == expected
    assert events(ptb_json) == expected


def test_fake_administrators_parse() -> None:
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


async def test_actions_become_bot_api_calls(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    """Every conformance action, accepted by the fake (which parses the HTML, counts the
    visible characters and checks callback data as Telegram does)."""
    adapter, _sink = running
    group = ChannelRef(str(p.GROUP["id"]))
    actions = s.conformance_actions(
        bot="tg",
        community=CommunityRef("telegram", str(p.GROUP["id"])),
        channel=group,
        message_id="42",
        user_id=str(p.EVE["id"]),
    )
    delivered = {name: await adapter.perform(action) for name, action in actions.items()}

    sends = api.called("sendMessage")
    greeting = sends[0]
    assert greeting["parse_mode"] == "HTML"
    assert "&lt;b&gt;*Eve*&lt;/b&gt; &lt;!channel&gt;" in greeting["text"]
    assert "_x_ &amp;amp; @here" in greeting["text"]
    assert f'<a href="tg://user?id={p.EVE["id"]}">' in greeting["text"]
    assert "<b>Be kind</b>" in greeting["text"]
    rows = greeting["reply_markup"]["inline_keyboard"]
    assert [[b["callback_data"] for b in row] for row in rows] == [
        ["poll:7:0", "poll:7:1"],
        ["poll:7:r"],
    ]
    assert [[b["text"] for b in row] for row in rows] == [["Pizza", "Sushi"], ["Retract vote"]]

    long_parts = [m["text"] for m in sends if m["text"].startswith("word")]
    assert len(long_parts) == 25 and all(len(part) <= 4096 for part in long_parts)
    assert " ".join(long_parts) == ("word " * 20_000).strip(), "split on word boundaries"
    assert len(delivered["send_long"].messages) == 25
    assert all("reply_markup" not in m for m in sends[1:-1])

    edit = api.called("editMessageText")[0]
    assert edit["message_id"] == 42 and edit["text"] == greeting["text"]
    assert edit["reply_markup"] == greeting["reply_markup"]
    assert delivered["edit"].messages == (MessageRef(group, "42"),)
    assert api.called("deleteMessage")[0] == {"chat_id": p.GROUP["id"], "message_id": 42}
    answer = api.called("answerCallbackQuery")[0]
    assert answer["callback_query_id"] == "interaction-1" and answer["text"] == "Vote recorded"
    direct = sends[-1]
    assert direct["chat_id"] == p.EVE["id"] and direct["text"] == greeting["text"]
    assert delivered["direct"].messages[0].channel.id == str(p.EVE["id"])

    restrict, unrestrict = api.called("restrictChatMember")
    assert restrict["user_id"] == p.EVE["id"] and restrict["until_date"] == 1893456000
    assert not any(restrict["permissions"].values()), "a mute leaves only reading"
    assert restrict["use_independent_chat_permissions"] is True
    assert all(unrestrict["permissions"].values()), "all True lifts the restriction"
    assert len(unrestrict["permissions"]) == 16
    assert api.called("banChatMember")[0] == {"chat_id": p.GROUP["id"], "user_id": p.EVE["id"]}
    assert api.called("unbanChatMember")[0]["only_if_banned"] is True

    (document,) = api.called("sendDocument")
    assert document["chat_id"] == p.GROUP["id"] and document["caption"] == greeting["text"]
    ((chat, uploaded),) = api.documents
    assert (chat, uploaded.filename, uploaded.data) == (p.GROUP["id"], s.FILE_NAME, s.FILE_BYTES)
    assert delivered["file"].messages[0].channel.id == str(p.GROUP["id"])


async def test_an_edit_of_buttons_only_keeps_the_text(
    api: FakeBotApi, running: tuple[Adapter, Collector]
) -> None:
    adapter, _sink = running
    message = MessageRef(ChannelRef(str(p.GROUP["id"])), "42")
    await adapter.perform(EditMessage(bot="tg", message=message, text=Text()))
    (call,) = api.called("editMessageReplyMarkup")
    assert call == {"chat_id": p.GROUP["id"], "message_id": 42}, "no markup: keyboard removed"
    assert not api.called("editMessageText")
