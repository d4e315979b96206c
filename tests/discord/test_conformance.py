"""The shared adapter-conformance scenarios, replayed through the real discord.py client.

Each scenario is a realistic gateway dispatch sent by the fake Discord over a
zlib-compressed websocket; each conformance action must become the right REST call.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest

from tests.conformance.scenarios import (
    BUTTON_DATA,
    COMMAND_ARGV,
    COMMAND_NAME,
    FILE_BYTES,
    FILE_NAME,
    HOSTILE_NAME,
    MESSAGE_TEXT,
    REACTION_EMOJI,
    SCENARIOS,
    assert_conforms,
    conformance_actions,
    scenario,
)
from tests.discord.conftest import BOT, Running, World
from tests.fakes.discord import FakeDiscord
from townsquare.adapters.discord.interactions import InteractionRef, Kind
from townsquare.core.actions import AnswerButton, SendMessage
from townsquare.core.events import Event
from townsquare.core.refs import ChannelRef, CommunityRef
from townsquare.core.text import Text

ESCAPED_EVERYONE = "@\u200beveryone"


async def _send_poll_message(running: Running, world: World) -> dict[str, Any]:
    """The bot's own message with the scenario's buttons, sent the production way."""
    channel = ChannelRef(str(world.general_id))
    actions = conformance_actions(
        bot=BOT,
        community=CommunityRef("discord", str(world.guild.id)),
        channel=channel,
        message_id="0",
        user_id=str(world.alice_id),
    )
    delivered = await running.adapter.perform(actions["send"])
    return world.fake.messages[int(delivered.messages[-1].message_id)]


async def _replay(name: str, running: Running, world: World) -> list[Event]:
    """Make the scenario happen on the fake Discord; return the events it produced."""
    fake, guild = world.fake, world.guild
    events = running.events
    events.clear()
    expected = scenario(name).event_type
    if name == "join":
        await fake.member_joins(guild, "alice2", global_name="Alice")
    elif name == "join_hostile":
        await fake.member_joins(guild, "eve", nick=HOSTILE_NAME)
    elif name == "leave":
        await fake.member_leaves(guild, world.alice_id)
    elif name == "message":
        await fake.post(guild, "general", world.alice_id, MESSAGE_TEXT)
    elif name == "command":
        await fake.slash(
            guild,
            "general",
            world.alice_id,
            "poll create",
            question="Lunch today?",
            option1="Pizza place",
            option2="Sushi",
            multi=True,
            closes="2h",
        )
    elif name == "button":
        message = await _send_poll_message(running, world)
        events.clear()
        await fake.press(guild, message, world.alice_id, BUTTON_DATA)
    elif name == "reaction":
        message = await fake.post(guild, "general", world.mod_id, "Pineapple belongs on pizza")
        await events.wait_for(lambda e: e.event_id == message["id"])
        events.clear()
        await fake.react(guild, message, world.alice_id, REACTION_EMOJI)
    elif name == "bot_added":
        new_guild = fake.add_guild("Second Square")
        await fake.bot_added(new_guild)
    else:  # pragma: no cover - a new scenario needs a replay here
        raise AssertionError(f"no Discord replay for scenario {name}")
    await events.wait_for(lambda e: isinstance(e, expected))
    # A message from a member is the barrier: once it arrived, nothing else is in flight.
    barrier = await fake.post(guild, "general", world.mod_id, "barrier")
    await events.wait_for(lambda e: e.event_id == barrier["id"])
    return [e for e in events.events if e.event_id != barrier["id"]]


@pytest.mark.parametrize("name", [s.name for s in SCENARIOS])
async def test_scenario(name: str, running: Running, world: World) -> None:
    events = await _replay(name, running, world)
    event = assert_conforms(events, scenario(name), platform="discord", bot=BOT)
    assert event.community is not None
    assert event.community.platform == "discord"


async def test_command_scenario_details(running: Running, world: World) -> None:
    events = await _replay("command", running, world)
    event = events[0]
    assert event.name == COMMAND_NAME and event.argv == COMMAND_ARGV  # type: ignore[attr-defined]
    # Acknowledged within Discord's deadline as an ephemeral "thinking" deferral.
    interaction = next(iter(world.fake.interactions.values()))
    await world.fake.wait_for(lambda: interaction.acked_type is not None)
    assert interaction.acked_type == 5 and interaction.defer_flags == 64
    # The event carries what any process needs to answer: the interaction's id and token.
    ref = InteractionRef.decode(event.interaction_id)  # type: ignore[attr-defined]
    assert ref is not None and ref.kind is Kind.COMMAND
    assert (str(ref.id), ref.token) == (interaction.payload["id"], interaction.payload["token"])


async def test_member_events_carry_roles_and_system_channel(running: Running, world: World) -> None:
    await world.fake.post(world.guild, "general", world.mod_id, "I moderate")
    await world.fake.post(world.guild, "general", world.guild.owner_id, "I own")
    await world.fake.post(world.guild, "general", world.alice_id, "I chat")
    got = await running.events.wait_for(lambda e: e.kind == "MessagePosted", count=3)
    roles = {e.actor.display_name: e.actor.platform_role.value for e in got if e.actor}
    assert roles["Mo"] == "admin"
    assert roles["Alice"] == "member"
    assert "owner" in roles.values()
    running.events.clear()
    await world.fake.member_joins(world.guild, "zed")
    joined = (await running.events.wait_for(lambda e: e.kind == "MemberJoined"))[0]
    assert joined.channel is not None
    assert joined.channel.id == str(world.guild.system_channel_id)


async def test_conformance_actions_become_rest_calls(
    running: Running, world: World, fake: FakeDiscord
) -> None:
    adapter = running.adapter
    general = ChannelRef(str(world.general_id))
    existing = await _send_poll_message(running, world)
    press = await fake.press(world.guild, existing, world.alice_id, BUTTON_DATA)
    (pressed,) = await running.events.wait_for(lambda e: e.kind == "ButtonPressed")
    await fake.wait_for(lambda: press.acked_type is not None)
    actions = conformance_actions(
        bot=BOT,
        community=CommunityRef("discord", str(world.guild.id)),
        channel=general,
        message_id=existing["id"],
        user_id=str(world.alice_id),
    )
    # The template's interaction id becomes the real one of a press the adapter saw.
    actions["answer"] = dataclasses.replace(
        actions["answer"],
        interaction_id=pressed.interaction_id,  # type: ignore[attr-defined]
    )
    calls: dict[str, list[Any]] = {}
    for name, action in actions.items():
        since = len(fake.requests)
        await adapter.perform(action)
        calls[name] = [r for r in fake.requests[since:] if r.status]

    channel_messages = rf"/channels/{world.general_id}/messages"
    mention = f"<@{world.alice_id}>"

    (send,) = calls["send"]
    assert (send.method, send.path, send.status) == ("POST", channel_messages, 200)
    assert send.json["content"] == f"Welcome, {mention}! **Be kind**"
    assert send.json["allowed_mentions"] == {
        "parse": [],
        "replied_user": False,
        "users": [str(world.alice_id)],
    }
    rows = send.json["components"]
    assert [[b["custom_id"] for b in row["components"]] for row in rows] == [
        ["poll:7:0", "poll:7:1"],
        ["poll:7:r"],
    ]
    assert [[b["style"] for b in row["components"]] for row in rows] == [[2, 1], [4]]
    assert fake.messages[int(send.response["id"])]["pings"]["users"] == [str(world.alice_id)]

    long_calls = calls["send_long"]
    assert len(long_calls) > 1
    assert all(c.path == channel_messages and c.status == 200 for c in long_calls)
    contents = [c.json["content"] for c in long_calls]
    assert all(0 < len(content) <= 2000 for content in contents)
    assert " ".join(" ".join(contents).split()) == " ".join(("word " * 20_000).split())

    (edit,) = calls["edit"]
    assert (edit.method, edit.path) == ("PATCH", f"{channel_messages}/{existing['id']}")
    assert edit.json["content"] == f"Welcome, {mention}! **Be kind**"
    assert len(edit.json["components"]) == 2
    assert edit.json["allowed_mentions"]["parse"] == []

    (delete,) = calls["delete"]
    assert (delete.method, delete.path, delete.status) == (
        "DELETE",
        f"{channel_messages}/{existing['id']}",
        204,
    )

    (answer,) = calls["answer"]
    assert answer.method == "POST"
    assert answer.path == f"/webhooks/{fake.application_id}/{press.payload['token']}"
    assert answer.json["content"] == "Vote recorded"
    assert answer.json["flags"] & 64, "a toast is ephemeral: only the presser sees it"

    open_dm, dm_message = calls["direct"]
    assert (open_dm.method, open_dm.path) == ("POST", "/users/@me/channels")
    assert open_dm.json == {"recipient_id": str(world.alice_id)}
    assert dm_message.path == f"/channels/{open_dm.response['id']}/messages"
    assert dm_message.json["content"] == f"Welcome, {mention}! **Be kind**"

    (restrict,) = calls["restrict"]
    assert (restrict.method, restrict.path, restrict.status) == (
        "PATCH",
        f"/guilds/{world.guild.id}/members/{world.alice_id}",
        200,
    )
    until = datetime.fromisoformat(restrict.json["communication_disabled_until"])
    assert until <= datetime.now(UTC) + timedelta(days=28)
    assert until > datetime.now(UTC) + timedelta(days=27)
    assert unquote(restrict.headers["X-Audit-Log-Reason"]) == "townsquare: mute"

    (unrestrict,) = calls["unrestrict"]
    assert unrestrict.json == {"communication_disabled_until": None}

    (remove,) = calls["remove"]
    assert (remove.method, remove.path, remove.status) == (
        "DELETE",
        f"/guilds/{world.guild.id}/members/{world.alice_id}",
        204,
    )

    (file,) = calls["file"]
    assert (file.method, file.path, file.status) == ("POST", channel_messages, 200)
    assert file.headers["Content-Type"].startswith("multipart/form-data")
    assert file.json["content"] == f"Welcome, {mention}! **Be kind**"
    assert file.json["allowed_mentions"] == send.json["allowed_mentions"]
    sent = fake.messages[int(file.response["id"])]
    assert fake.attachments(sent) == [(FILE_NAME, FILE_BYTES)]


async def test_hostile_name_is_inert_everywhere(running: Running, world: World) -> None:
    """The hostile display name as plain text (what a naive greeting does) cannot ping,
    format or mention anybody."""
    general = ChannelRef(str(world.general_id))
    await running.adapter.perform(
        SendMessage(bot=BOT, channel=general, text=Text() + f"Welcome {HOSTILE_NAME}")
    )
    sent = world.fake.bot_messages()[-1]
    assert ESCAPED_EVERYONE in sent["content"]
    assert "@\u200bhere" in sent["content"]
    assert "\\*Eve\\*" in sent["content"] and "\\_x\\_" in sent["content"]
    assert sent["pings"] == {"everyone": False, "users": [], "roles": []}
    await running.adapter.perform(
        AnswerButton(bot=BOT, interaction_id="0", toast=HOSTILE_NAME)
    )  # unknown interaction: nothing to answer, and no error
