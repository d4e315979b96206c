"""The adapter against the fake Discord: start-up failures, 429s and errors, interactions,
restart, sharding, resume, and the events not covered by the shared scenarios."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.discord.conftest import (
    BOT,
    COMMANDS,
    Recorder,
    Running,
    World,
    bot_config,
    start_adapter,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import payloads as p
from townsquare.adapters.discord.receipt import NOT_STORED_NOTICE
from townsquare.adapters.discord.transport import DiscordAdapter, DiscordStartError
from townsquare.core.actions import SendDirect, SendEphemeral, SendMessage
from townsquare.core.capabilities import Capability
from townsquare.core.errors import (
    DirectMessageRefused,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
)
from townsquare.core.events import (
    BotRemoved,
    ButtonPressed,
    CommandIssued,
    Event,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    UpdateRejected,
)
from townsquare.core.ports import Adapter, AdapterDeps
from townsquare.core.refs import ChannelRef
from townsquare.core.text import Text, bold, mention


def _text(value: str) -> Text:
    return Text() + value


def _send(world: World, text: str = "hello") -> SendMessage:
    return SendMessage(bot=BOT, channel=ChannelRef(str(world.general_id)), text=_text(text))


# -- start-up ---------------------------------------------------------------------------------


async def test_adapter_satisfies_the_port(fake: FakeDiscord, world: World) -> None:
    adapter = DiscordAdapter(bot_config(fake), AdapterDeps(commands=COMMANDS))
    assert isinstance(adapter, Adapter)
    assert Capability.MESSAGE_CONTENT in adapter.capabilities
    assert adapter.limits.max_text == 2000 and adapter.limits.per_bot == 50
    without = DiscordAdapter(bot_config(fake, message_content=False), AdapterDeps())
    assert Capability.MESSAGE_CONTENT not in without.capabilities
    assert Capability.EPHEMERAL in without.capabilities


async def test_start_logs_in_identifies_with_intents_and_compression(
    running: Running, fake: FakeDiscord
) -> None:
    (identify,) = await fake.wait_gateway(2)
    intents = identify["d"]["intents"]
    # guilds, members, guild messages, reactions, DMs, DM reactions, message content
    for bit in (0, 1, 9, 10, 12, 13, 15):
        assert intents & (1 << bit), f"intent bit {bit} missing"
    assert not intents & (1 << 8), "presences are not needed"
    assert all(c.compressor is not None for c in fake.connections), "zlib-stream expected"
    assert identify["d"]["token"] == fake.token


async def test_privileged_intents_refused_names_the_toggles(
    fake: FakeDiscord, world: World
) -> None:
    fake.application_flags = p.GATEWAY_GUILD_MEMBERS  # Message Content toggle off
    adapter = DiscordAdapter(bot_config(fake), AdapterDeps())
    with pytest.raises(DiscordStartError) as caught:
        await adapter.start(Recorder())
    message = str(caught.value)
    assert "4014" in message
    assert "Message Content Intent" in message
    assert "Server Members Intent" not in message
    assert f"discord.com/developers/applications/{fake.application_id}/bot" in message
    assert "message_content = false" in message
    assert "Traceback" not in message
    fake.application_flags = 0
    with pytest.raises(DiscordStartError, match="Server Members Intent and Message Content"):
        await DiscordAdapter(bot_config(fake), AdapterDeps()).start(Recorder())


async def test_without_message_content_the_bot_connects_and_text_is_blank(
    fake: FakeDiscord, world: World
) -> None:
    fake.application_flags = p.GATEWAY_GUILD_MEMBERS
    started = await start_adapter(fake, message_content=False)
    try:
        await fake.post(world.guild, "general", world.alice_id, "secret words")
        (event,) = await started.events.wait_for(lambda e: isinstance(e, MessagePosted))
        assert isinstance(event, MessagePosted) and event.text == ""
    finally:
        await started.adapter.close()


async def test_bad_token_is_an_operator_message(fake: FakeDiscord) -> None:
    adapter = DiscordAdapter(bot_config(fake, token="wrong"), AdapterDeps())
    with pytest.raises(DiscordStartError, match="rejected the token"):
        await adapter.start(Recorder())


async def test_different_overrides_in_one_process_are_refused(
    running: Running, fake: FakeDiscord
) -> None:
    async with FakeDiscord() as other:
        adapter = DiscordAdapter(bot_config(other, name="other-bot"), AdapterDeps())
        with pytest.raises(DiscordStartError, match="one api_url and gateway_url per process"):
            await adapter.start(Recorder())
    # The running bot still works: its overrides were not touched.
    await running.adapter.perform(_send_to_first_channel(fake))


def _send_to_first_channel(fake: FakeDiscord) -> SendMessage:
    guild = next(iter(fake.guilds.values()))
    return SendMessage(bot=BOT, channel=ChannelRef(guild.channels[0]["id"]), text=_text("still"))


async def test_slash_commands_registered_per_guild(running: Running, world: World) -> None:
    registered = {(c["type"], c["name"]) for c in world.fake.commands[world.guild.id]}
    assert registered == {(1, "help"), (1, "poll"), (1, "report"), (3, "Report to managers")}
    poll = world.fake.registered_command(world.guild, "poll")
    assert [o["name"] for o in poll["options"]] == ["create", "close", "results"]


# -- REST errors and rate limits ------------------------------------------------------------


async def test_429_with_via_is_waited_out_by_discord_py(running: Running, world: World) -> None:
    fake = world.fake
    path = rf"/channels/{world.general_id}/messages"
    fake.rate_limit_next("POST", path, retry_after=0.3)
    since = len(fake.requests)
    delivered = await running.adapter.perform(_send(world))
    assert len(delivered.messages) == 1
    limited, sent = [r for r in fake.requests[since:] if r.path == path]
    assert (limited.status, sent.status) == (429, 200)
    assert sent.at - limited.at >= 0.3, "the retry came before retry_after"


async def test_429_without_via_surfaces_as_rate_limited(running: Running, world: World) -> None:
    world.fake.rate_limit_next(
        "POST", rf"/channels/{world.general_id}/messages", retry_after=2.5, via=False
    )
    with pytest.raises(RateLimited) as caught:
        await running.adapter.perform(_send(world))
    assert caught.value.retry_after == pytest.approx(2.5)


async def test_long_429_is_left_to_the_delivery_worker(running: Running, world: World) -> None:
    world.fake.rate_limit_next("POST", rf"/channels/{world.general_id}/messages", retry_after=90)
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        await running.adapter.perform(_send(world))
    assert caught.value.retry_after == pytest.approx(90)
    assert time.monotonic() - started < 5, "the adapter must not sleep 90 s itself"


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (503, 0, TransientDeliveryError),
        (403, 50013, PermanentDeliveryError),
        (404, 10003, PermanentDeliveryError),
    ],
)
async def test_rest_failures_map_to_core_errors(
    running: Running, world: World, status: int, code: int, error: type[Exception]
) -> None:
    world.fake.inject(
        "POST", rf"/channels/{world.general_id}/messages", status, {"message": "x", "code": code}
    )
    with pytest.raises(error):
        await running.adapter.perform(_send(world))


async def test_closed_dms_raise_direct_message_refused(running: Running, world: World) -> None:
    world.fake.dms_closed.add(world.alice_id)
    action = SendDirect(
        bot=BOT, user_id=str(world.alice_id), display_name="Alice", text=_text("psst")
    )
    with pytest.raises(DirectMessageRefused):
        await running.adapter.perform(action)


async def test_unreachable_discord_is_transient(fake: FakeDiscord, world: World) -> None:
    started = await start_adapter(fake)
    try:
        await fake.close()
        with pytest.raises(TransientDeliveryError):
            await started.adapter.perform(_send(world))
    finally:
        await started.adapter.close()


async def test_delete_of_a_gone_message_succeeds(running: Running, world: World) -> None:
    from townsquare.core.actions import DeleteMessage
    from townsquare.core.refs import MessageRef

    delivered = await running.adapter.perform(_send(world))
    ref = delivered.messages[0]
    await running.adapter.perform(DeleteMessage(bot=BOT, message=ref))
    await running.adapter.perform(
        DeleteMessage(bot=BOT, message=MessageRef(ref.channel, ref.message_id))
    )


# -- interactions -------------------------------------------------------------------------------


async def test_ephemeral_answers_replace_the_placeholder_then_follow_up(
    running: Running, world: World
) -> None:
    fake = world.fake
    interaction = await fake.slash(world.guild, "general", world.alice_id, "help")
    (event,) = await running.events.wait_for(lambda e: isinstance(e, CommandIssued))
    await fake.wait_for(lambda: interaction.acked_type is not None)
    assert interaction.acked_type == 5 and interaction.defer_flags & 64
    assert interaction.acked_at is not None
    assert interaction.acked_at - interaction.dispatched_at < fake.ack_deadline
    channel = event.channel
    assert channel is not None
    for text in ("first", "second"):
        await running.adapter.perform(
            SendEphemeral(
                bot=BOT,
                channel=channel,
                user_id=str(world.alice_id),
                display_name="Alice",
                text=Text() + bold(text),
                interaction_id=event.interaction_id,  # type: ignore[attr-defined]
            )
        )
    token = interaction.payload["token"]
    patch = fake.find_requests("PATCH", rf"/webhooks/\d+/{token}/messages/@original")
    follow = fake.find_requests("POST", rf"/webhooks/\d+/{token}")
    assert [r.json["content"] for r in patch] == ["**first**"]
    assert [r.json["content"] for r in follow] == ["**second**"]
    assert follow[0].json["flags"] & 64
    ephemeral = [m for m in fake.messages.values() if m.get("interaction_id")]
    assert all(m["flags"] & 64 for m in ephemeral), "nothing of /help may be public"
    assert not fake.messages_in(world.general_id)


async def test_public_reply_to_a_command_goes_to_the_channel(
    running: Running, world: World
) -> None:
    fake = world.fake
    interaction = await fake.slash(
        world.guild, "general", world.mod_id, "poll create", question="Tea?", option1="Yes"
    )
    (event,) = await running.events.wait_for(lambda e: isinstance(e, CommandIssued))
    assert event.argv == ("Tea?", "Yes")  # type: ignore[attr-defined]
    await running.adapter.perform(
        SendMessage(
            bot=BOT,
            channel=event.channel,  # type: ignore[arg-type]
            text=_text("Poll: Tea?"),
            interaction_id=event.interaction_id,  # type: ignore[attr-defined]
        )
    )
    assert [m["content"] for m in fake.messages_in(world.general_id)] == ["Poll: Tea?"]
    token = interaction.payload["token"]
    assert fake.find_requests("DELETE", rf"/webhooks/\d+/{token}/messages/@original", status=204)


async def test_unknown_interaction_answers_by_direct_message(
    running: Running, world: World
) -> None:
    """An interaction id the adapter cannot use (a bare id an older version stored) is
    answered privately by direct message, never in the channel."""
    await running.adapter.perform(
        SendEphemeral(
            bot=BOT,
            channel=ChannelRef(str(world.general_id)),
            user_id=str(world.alice_id),
            display_name="Alice",
            text=_text("Only for you"),
            interaction_id="1234",
        )
    )
    assert not world.fake.messages_in(world.general_id)
    (dm,) = [m for m in world.fake.bot_messages() if m["content"] == "Only for you"]
    assert world.fake.channels[int(dm["channel_id"])]["type"] == 1


async def test_report_context_menu_files_report_as_a_reply(running: Running, world: World) -> None:
    fake = world.fake
    target = await fake.post(world.guild, "general", world.alice_id, "rude words")
    await running.events.wait_for(lambda e: e.event_id == target["id"])
    running.events.clear()
    await fake.message_command(world.guild, "general", world.mod_id, "Report to managers", target)
    (event,) = await running.events.wait_for(lambda e: isinstance(e, CommandIssued))
    assert isinstance(event, CommandIssued)
    assert (event.name, event.argv) == ("report", ())
    assert event.reply_to is not None and event.reply_to.message_id == target["id"]
    assert event.reply_to_author is not None
    assert event.reply_to_author.user_id == str(world.alice_id)
    assert event.reply_to_text == "rude words"
    assert event.actor is not None and event.actor.platform_role.value == "admin"


async def test_stop_closes_the_gateway_and_keeps_rest(running: Running, world: World) -> None:
    """After stop nothing more is received (it could no longer be stored): the gateway
    session is closed; REST still works while the outbox drains."""
    fake = world.fake
    await running.adapter.stop()
    await fake.wait_for(lambda: not fake.sessions, timeout=5)  # closed with 1000: ended
    assert await fake.dispatch("MESSAGE_CREATE", {}, guild_id=world.guild.id) == 0
    await running.adapter.perform(_send(world))
    assert [m["content"] for m in fake.messages_in(world.general_id)] == ["hello"]


async def test_an_interaction_that_was_not_stored_is_told_to_try_again(
    fake: FakeDiscord, world: World
) -> None:
    """The sink refused the command (the database is gone, the pipeline closing): it is
    not deferred as if it would be answered; the member is told to try again."""

    async def refusing(event: Event) -> None:
        raise RuntimeError("the pipeline is shutting down")

    adapter = DiscordAdapter(bot_config(fake), AdapterDeps(commands=COMMANDS))
    await adapter.start(refusing)
    try:
        await fake.wait_request("PUT", rf"/applications/\d+/guilds/{world.guild.id}/commands")
        interaction = await fake.slash(world.guild, "general", world.alice_id, "help")
        await fake.wait_for(lambda: interaction.acked_type is not None)
        assert interaction.acked_type == 4
        assert interaction.original is not None
        assert interaction.original["content"] == NOT_STORED_NOTICE
        assert interaction.original["flags"] & 64
    finally:
        await adapter.close()


async def test_buttons_keep_working_after_a_restart(fake: FakeDiscord, world: World) -> None:
    first = await start_adapter(fake)
    from townsquare.core.actions import Button

    action = SendMessage(
        bot=BOT,
        channel=ChannelRef(str(world.general_id)),
        text=_text("Vote"),
        buttons=((Button("Yes", "poll:9:0"), Button("No", "poll:9:1")),),
    )
    delivered = await first.adapter.perform(action)
    await first.adapter.close()

    second = await start_adapter(fake)
    try:
        message = fake.messages[int(delivered.messages[0].message_id)]
        interaction = await fake.press(world.guild, message, world.alice_id, "poll:9:1")
        (event,) = await second.events.wait_for(lambda e: isinstance(e, ButtonPressed))
        assert isinstance(event, ButtonPressed)
        assert event.data == "poll:9:1"
        assert event.message is not None and event.message.message_id == message["id"]
        await fake.wait_for(lambda: interaction.acked_type is not None)
        assert interaction.acked_type == 6, "a press is acknowledged without a placeholder"
    finally:
        await second.adapter.close()


# -- gateway resilience and sharding ---------------------------------------------------------


async def test_gateway_drop_resumes_and_replays_missed_events(
    running: Running, world: World
) -> None:
    fake = world.fake
    await fake.close_gateway(4000)
    await fake.post(world.guild, "general", world.alice_id, "said while you were away")
    (resume,) = await fake.wait_gateway(6, timeout=15)
    assert resume["d"]["token"] == fake.token
    (event,) = await running.events.wait_for(
        lambda e: isinstance(e, MessagePosted) and e.text == "said while you were away",
        timeout=15,
    )
    assert event.actor is not None and event.actor.display_name == "Alice"


async def test_heartbeats_are_acknowledged(fake: FakeDiscord, world: World) -> None:
    fake.heartbeat_interval_ms = 100
    started = await start_adapter(fake)
    try:
        beats = await fake.wait_gateway(1, count=3)
        assert len(beats) >= 3
    finally:
        await started.adapter.close()


async def test_shards_split_guilds_between_processes(fake: FakeDiscord) -> None:
    guild_a = fake.add_guild("Shard zero", shard_of=(0, 2))
    guild_b = fake.add_guild("Shard one", shard_of=(1, 2))
    user_a = fake.add_member(guild_a, "ann")
    user_b = fake.add_member(guild_b, "ben")
    zero = await start_adapter(fake, shards=2, shard_ids=[0])
    one = await start_adapter(fake, name="discord-test-2", shards=2, shard_ids=[1])
    try:
        shards = sorted(tuple(d["d"]["shard"]) for d in await fake.wait_gateway(2, count=2))
        assert shards == [(0, 2), (1, 2)]
        await fake.post(guild_a, "general", int(user_a["user"]["id"]), "to shard zero")
        await fake.post(guild_b, "general", int(user_b["user"]["id"]), "to shard one")
        (a,) = await zero.events.wait_for(lambda e: isinstance(e, MessagePosted))
        (b,) = await one.events.wait_for(lambda e: isinstance(e, MessagePosted))
        assert (a.text, b.text) == ("to shard zero", "to shard one")  # type: ignore[attr-defined]
        await fake.wait_for(lambda: guild_a.id in fake.commands and guild_b.id in fake.commands)
    finally:
        await zero.adapter.close()
        await one.adapter.close()


# -- other inbound events --------------------------------------------------------------------------


async def test_edit_delete_leave_and_removal_events(running: Running, world: World) -> None:
    fake, guild, events = world.fake, world.guild, running.events
    message = await fake.post(guild, "general", world.alice_id, "typo")
    await events.wait_for(lambda e: e.event_id == message["id"])
    await fake.edit(guild, message, "fixed")
    (edited,) = await events.wait_for(lambda e: isinstance(e, MessageEdited))
    assert isinstance(edited, MessageEdited) and edited.text == "fixed"
    assert edited.message.message_id == message["id"]
    await fake.delete(guild, message)
    (deleted,) = await events.wait_for(lambda e: isinstance(e, MessageDeleted))
    assert isinstance(deleted, MessageDeleted) and deleted.message.message_id == message["id"]
    assert deleted.actor is not None and deleted.actor.user_id == str(world.alice_id)
    await fake.member_leaves(guild, world.alice_id)
    (left,) = await events.wait_for(lambda e: isinstance(e, MemberLeft))
    assert isinstance(left, MemberLeft) and left.member.display_name == "Alice"
    await fake.bot_removed(guild)
    (removed,) = await events.wait_for(lambda e: isinstance(e, BotRemoved))
    assert removed.community is not None and removed.community.id == str(guild.id)


async def test_direct_messages_and_own_messages(running: Running, world: World) -> None:
    fake, events = world.fake, running.events
    await running.adapter.perform(_send(world, "my own words"))
    dm = await fake.direct_message(world.alice_id, "help me")
    (event,) = await events.wait_for(lambda e: isinstance(e, MessagePosted))
    assert isinstance(event, MessagePosted)
    assert event.text == "help me" and event.event_id == dm["id"]
    assert event.channel is not None and event.channel.is_direct
    assert event.community is None
    assert all(e.actor is None or e.actor.user_id != str(fake.bot_id) for e in events.events)


async def test_reply_carries_the_replied_message(running: Running, world: World) -> None:
    fake, events = world.fake, running.events
    original = await fake.post(world.guild, "general", world.mod_id, "rules are rules")
    await events.wait_for(lambda e: e.event_id == original["id"])
    reply = await fake.post(world.guild, "general", world.alice_id, "no", reply_to=original)
    (event,) = await events.wait_for(lambda e: e.event_id == reply["id"])
    assert isinstance(event, MessagePosted)
    assert event.reply_to is not None and event.reply_to.message_id == original["id"]
    assert event.reply_to_author is not None and event.reply_to_author.display_name == "Mo"
    assert event.reply_to_text == "rules are rules"


async def test_mentions_of_other_platform_ids_do_not_ping(running: Running, world: World) -> None:
    text = Text() + mention("12345", "@everyone") + " and " + mention(str(world.alice_id), "A")
    await running.adapter.perform(
        SendMessage(bot=BOT, channel=ChannelRef(str(world.general_id)), text=text)
    )
    (message,) = world.fake.messages_in(world.general_id)
    assert message["content"] == f"@@\u200beveryone and <@{world.alice_id}>"
    assert message["pings"] == {"everyone": False, "users": [str(world.alice_id)], "roles": []}


async def test_concurrent_presses_are_all_acknowledged(running: Running, world: World) -> None:
    fake = world.fake
    from townsquare.core.actions import Button

    delivered = await running.adapter.perform(
        SendMessage(
            bot=BOT,
            channel=ChannelRef(str(world.general_id)),
            text=_text("Vote"),
            buttons=((Button("Go", "go:1"),),),
        )
    )
    message = fake.messages[int(delivered.messages[0].message_id)]
    presses = await asyncio.gather(
        *(fake.press(world.guild, message, world.alice_id, "go:1") for _ in range(20))
    )
    await running.events.wait_for(lambda e: isinstance(e, ButtonPressed), count=20)
    await fake.wait_for(lambda: all(i.acked_type is not None for i in presses))
    assert all(i.acked_type == 6 for i in presses)
    assert len(running.adapter.pending) == 20


async def test_sync_command_registers_in_every_guild_over_rest_only(fake: FakeDiscord) -> None:
    from townsquare.adapters.discord.transport import sync_commands

    first = fake.add_guild("One")
    second = fake.add_guild("Two")
    count = await sync_commands(bot_config(fake), AdapterDeps(commands=COMMANDS))
    assert count == len(fake.commands[first.id]) == len(fake.commands[second.id]) == 4
    assert not fake.connections, "sync needs no gateway connection"
    with pytest.raises(DiscordStartError, match="rejected the token"):
        await sync_commands(bot_config(fake, token="nope"), AdapterDeps(commands=COMMANDS))


async def test_unanswered_placeholder_is_removed(running: Running, world: World) -> None:
    """A command answered only by other means (here: not at all) does not keep showing
    "thinking..."; a late ephemeral answer still arrives, as an ephemeral follow-up."""
    running.adapter.placeholder_timeout = 0.05
    fake = world.fake
    interaction = await fake.slash(world.guild, "general", world.alice_id, "help")
    (event,) = await running.events.wait_for(lambda e: isinstance(e, CommandIssued))
    token = interaction.payload["token"]
    await fake.wait_request("DELETE", rf"/webhooks/\d+/{token}/messages/@original")
    await running.adapter.perform(
        SendEphemeral(
            bot=BOT,
            channel=event.channel,  # type: ignore[arg-type]
            user_id=str(world.alice_id),
            display_name="Alice",
            text=_text("late"),
            interaction_id=event.interaction_id,  # type: ignore[attr-defined]
        )
    )
    (late,) = fake.find_requests("POST", rf"/webhooks/\d+/{token}")
    assert late.json["flags"] & 64 and late.json["content"] == "late"


async def test_stale_menu_entry_is_answered(running: Running, world: World) -> None:
    """A context-menu entry left registered by an older version gets a polite answer
    instead of Discord's "interaction failed"."""
    from townsquare.adapters.discord.receipt import STALE_COMMAND_NOTICE

    fake = world.fake
    fake.commands[world.guild.id].append({"id": "1", "type": 3, "name": "Old menu"})
    target = await fake.post(world.guild, "general", world.alice_id, "hi")
    interaction = await fake.message_command(
        world.guild, "general", world.mod_id, "Old menu", target
    )
    await fake.wait_for(lambda: interaction.acked_type is not None)
    assert interaction.acked_type == 4
    assert interaction.original is not None
    assert interaction.original["content"] == STALE_COMMAND_NOTICE
    assert not any(isinstance(e, CommandIssued) for e in running.events.events)


async def test_expired_interaction_token_answers_by_direct_message(
    running: Running, world: World
) -> None:
    """A token Discord no longer accepts: the private answer goes to the member by direct
    message, never into the channel with a mention."""
    fake = world.fake
    interaction = await fake.slash(world.guild, "general", world.alice_id, "help")
    (event,) = await running.events.wait_for(lambda e: isinstance(e, CommandIssued))
    await fake.wait_for(lambda: interaction.acked_type is not None)
    token = interaction.payload["token"]
    fake.inject(
        "GET",
        rf"/webhooks/\d+/{token}/messages/@original",
        401,
        {"message": "Invalid Webhook Token", "code": 50027},
    )
    await running.adapter.perform(
        SendEphemeral(
            bot=BOT,
            channel=event.channel,  # type: ignore[arg-type]
            user_id=str(world.alice_id),
            display_name="Alice",
            text=_text("your answer"),
            interaction_id=event.interaction_id,  # type: ignore[attr-defined]
        )
    )
    assert not fake.messages_in(world.general_id)
    (dm,) = [m for m in fake.bot_messages() if m["content"] == "your answer"]
    assert fake.channels[int(dm["channel_id"])]["type"] == 1


async def test_expired_interaction_and_closed_dms_fail_loudly(
    running: Running, world: World
) -> None:
    fake = world.fake
    fake.dms_closed.add(world.alice_id)
    with pytest.raises(PermanentDeliveryError, match="cannot be delivered"):
        await running.adapter.perform(
            SendEphemeral(
                bot=BOT,
                channel=ChannelRef(str(world.general_id)),
                user_id=str(world.alice_id),
                display_name="Alice",
                text=_text("your answer"),
                interaction_id="1234",
            )
        )
    assert not fake.messages_in(world.general_id), "a private answer never goes public"


async def test_an_interaction_the_adapter_cannot_map_is_stored_as_rejected(
    running: Running, world: World
) -> None:
    """A menu interaction whose resolved message lacks its author's id: one
    UpdateRejected with the whole dispatch, and the bot keeps working."""
    fake = world.fake
    target = await fake.post(world.guild, "general", world.alice_id, "odd")
    await running.events.wait_for(lambda e: e.event_id == target["id"])
    broken = {**target, "author": {"username": "ghost"}}
    await fake.message_command(world.guild, "general", world.mod_id, "Report to managers", broken)
    (rejected,) = await running.events.wait_for(lambda e: isinstance(e, UpdateRejected))
    assert isinstance(rejected, UpdateRejected)
    assert rejected.update_kind == "INTERACTION_CREATE" and "KeyError" in rejected.reason
    assert rejected.raw is not None and rejected.raw["d"]["data"]["name"] == "Report to managers"
    await fake.post(world.guild, "general", world.alice_id, "still here")
    await running.events.wait_for(lambda e: isinstance(e, MessagePosted) and e.text == "still here")
