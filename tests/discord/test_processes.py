"""Several adapters of one bot against the fake, as several processes would run it: an
answer delivered by another process than the one that received the interaction, shards
split over processes, idempotent sends, and a gateway drop resumed without loss."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from tests.discord.conftest import BOT, COMMANDS, Running, bot_config, start_adapter
from tests.fakes.discord import FakeDiscord, Guild
from townsquare.adapters.discord.interactions import InteractionRef, Kind
from townsquare.adapters.discord.transport import DiscordAdapter
from townsquare.core.actions import (
    AnswerButton,
    AskText,
    Button,
    SendEphemeral,
    SendFile,
    SendMessage,
)
from townsquare.core.events import ButtonPressed, CommandIssued, Event, MessagePosted
from townsquare.core.ports import AdapterDeps
from townsquare.core.refs import ChannelRef
from townsquare.core.text import Text


@dataclass
class Two:
    """One bot in two processes: ``receiver`` holds shard 0 (the guild), ``other`` shard 1."""

    fake: FakeDiscord
    guild: Guild
    alice: int
    receiver: Running
    other: Running

    @property
    def general(self) -> int:
        return int(self.guild.channel("general")["id"])


@pytest.fixture
async def two(fake: FakeDiscord) -> AsyncIterator[Two]:
    guild = fake.add_guild("Town Square", shard_of=(0, 2))
    alice = int(fake.add_member(guild, "alice", global_name="Alice")["user"]["id"])
    receiver = await start_adapter(fake, shards=2, shard_ids=[0])
    other = await start_adapter(fake, shards=2, shard_ids=[1])
    try:
        await fake.wait_request("PUT", rf"/applications/\d+/guilds/{guild.id}/commands")
        yield Two(fake, guild, alice, receiver, other)
    finally:
        await receiver.adapter.close()
        await other.adapter.close()


def _text(value: str) -> Text:
    return Text() + value


def _public(fake: FakeDiscord, channel: int, content: str) -> list[str]:
    return [m["content"] for m in fake.messages_in(channel) if content in m["content"]]


async def test_a_private_answer_delivered_by_another_process_stays_private(two: Two) -> None:
    fake = two.fake
    interaction = await fake.slash(two.guild, "general", two.alice, "help")
    (event,) = await two.receiver.events.wait_for(lambda e: isinstance(e, CommandIssued))
    await fake.wait_for(lambda: interaction.acked_type is not None)
    assert not two.other.events.events, "shard 1 does not see the guild"
    assert event.channel is not None and isinstance(event, CommandIssued)
    for text in ("first", "second"):
        await two.other.adapter.perform(
            SendEphemeral(
                bot=BOT,
                channel=event.channel,
                user_id=str(two.alice),
                display_name="Alice",
                text=_text(text),
                interaction_id=event.interaction_id,
            )
        )
    token = interaction.payload["token"]
    (patch,) = fake.find_requests("PATCH", rf"/webhooks/\d+/{token}/messages/@original")
    (follow,) = fake.find_requests("POST", rf"/webhooks/\d+/{token}")
    assert (patch.json["content"], follow.json["content"]) == ("first", "second")
    answers = [m for m in fake.messages.values() if m.get("interaction_id")]
    assert [m["content"] for m in answers] == ["first", "second"]
    assert all(m["flags"] & 64 for m in answers), "both ephemeral"
    assert not _public(fake, two.general, "first") and not _public(fake, two.general, "second")
    assert not any(m["pings"]["users"] for m in fake.bot_messages()), "nobody was mentioned"


async def test_a_toast_and_a_form_from_another_process(two: Two) -> None:
    fake = two.fake
    delivered = await two.receiver.adapter.perform(
        SendMessage(
            bot=BOT,
            channel=ChannelRef(str(two.general)),
            text=_text("Vote"),
            buttons=((Button("Yes", "vote:1"), Button("Why", "why:1", asks_text=True)),),
        )
    )
    message = fake.messages[int(delivered.messages[0].message_id)]

    press = await fake.press(two.guild, message, two.alice, "vote:1")
    (pressed,) = await two.receiver.events.wait_for(lambda e: isinstance(e, ButtonPressed))
    await fake.wait_for(lambda: press.acked_type is not None)
    assert isinstance(pressed, ButtonPressed)
    await two.other.adapter.perform(
        AnswerButton(bot=BOT, interaction_id=pressed.interaction_id, toast="Vote recorded")
    )
    toast = await fake.wait_request("POST", rf"/webhooks/\d+/{press.payload['token']}")
    assert toast[0].json["content"] == "Vote recorded" and toast[0].json["flags"] & 64

    two.receiver.adapter.answer_window = 30.0  # the receiver leaves the first answer to others
    form_press = await fake.press(two.guild, message, two.alice, "~why:1")
    (asked,) = await two.receiver.events.wait_for(
        lambda e: isinstance(e, ButtonPressed) and e.data == "why:1"
    )
    assert isinstance(asked, ButtonPressed)
    ref = InteractionRef.decode(asked.interaction_id)
    assert ref is not None and ref.kind is Kind.FORM_PRESS
    await two.other.adapter.perform(
        AskText(
            bot=BOT,
            interaction_id=asked.interaction_id,
            title="Why?",
            label="Tell us",
            data="why:1",
            fallback_text="Type /why 1 <reason>",
        )
    )
    assert form_press.acked_type == 9 and form_press.modal is not None
    assert form_press.modal["custom_id"] == "why:1"
    assert not _public(fake, two.general, "why"), "nothing of it is public"


async def test_shards_in_two_processes_get_each_guilds_events_exactly_once(
    fake: FakeDiscord,
) -> None:
    guilds = [fake.add_guild(f"Guild {i}", shard_of=(i % 2, 2)) for i in range(4)]
    posters = [int(fake.add_member(g, f"member{i}")["user"]["id"]) for i, g in enumerate(guilds)]
    zero = await start_adapter(fake, shards=2, shard_ids=[0])
    one = await start_adapter(fake, shards=2, shard_ids=[1])
    try:
        for round_ in range(3):
            for guild, poster in zip(guilds, posters, strict=True):
                await fake.post(guild, "general", poster, f"{guild.name} #{round_}")
        await zero.events.wait_for(lambda e: isinstance(e, MessagePosted), count=6)
        await one.events.wait_for(lambda e: isinstance(e, MessagePosted), count=6)
        for running, shard in ((zero, 0), (one, 1)):
            seen = Counter(
                (e.community.id, e.text)  # type: ignore[attr-defined]
                for e in running.events.events
                if isinstance(e, MessagePosted) and e.community is not None
            )
            mine = {str(g.id) for i, g in enumerate(guilds) if i % 2 == shard}
            assert {guild for guild, _text in seen} == mine
            assert set(seen.values()) == {1}, f"shard {shard}: an event arrived twice"
    finally:
        await zero.adapter.close()
        await one.adapter.close()


async def test_a_send_repeated_after_a_crash_is_not_doubled(two: Two) -> None:
    """The same outbox row sent again (its first attempt reached Discord, the process died
    before recording it): Discord's enforce_nonce returns the first message."""
    fake = two.fake
    send = SendMessage(
        bot=BOT,
        channel=ChannelRef(str(two.general)),
        text=_text("word " * 450),  # two messages
        idempotency_key="41",
    )
    first = await two.receiver.adapter.perform(send)
    again = await two.other.adapter.perform(send)
    assert len(first.messages) == 2 and again == first
    assert len(_public(fake, two.general, "word")) == 2
    creates = fake.find_requests("POST", rf"/channels/{two.general}/messages")
    assert all(r.json["enforce_nonce"] for r in creates)
    assert len({r.json["nonce"] for r in creates}) == 2, "one nonce per message of the send"

    other = SendMessage(bot=BOT, channel=ChannelRef(str(two.general)), text=_text("word"))
    await two.receiver.adapter.perform(other)
    await two.receiver.adapter.perform(other)
    assert len(_public(fake, two.general, "word")) == 4, "without a key, nothing is merged"

    upload = SendFile(
        bot=BOT,
        channel=ChannelRef(str(two.general)),
        filename="votes.csv",
        data=b"a,b\n",
        idempotency_key="42",
    )
    assert await two.other.adapter.perform(upload) == await two.receiver.adapter.perform(upload)
    assert len([m for m in fake.messages_in(two.general) if m["attachments"]]) == 1


async def test_a_dropped_gateway_resumes_without_loss_or_doubles(
    fake: FakeDiscord,
) -> None:
    guild = fake.add_guild("Town Square")
    alice = int(fake.add_member(guild, "alice")["user"]["id"])
    running = await start_adapter(fake)
    try:
        await fake.post(guild, "general", alice, "before")
        await running.events.wait_for(lambda e: isinstance(e, MessagePosted))
        await fake.close_gateway(4000)
        for text in ("while away 1", "while away 2"):
            await fake.post(guild, "general", alice, text)
        (resume,) = await fake.wait_gateway(6, timeout=15)
        assert resume["d"]["seq"] >= 1 and resume["d"]["session_id"] in fake.sessions
        await fake.wait_ready(sessions=1, timeout=90)
        await fake.post(guild, "general", alice, "after")
        await running.events.wait_for(lambda e: isinstance(e, MessagePosted), count=4, timeout=15)
        texts = [e.text for e in running.events.events if isinstance(e, MessagePosted)]
        assert texts == ["before", "while away 1", "while away 2", "after"]
        identifies = [d for way, d in fake.gateway_log if way == "recv" and d["op"] == 2]
        assert len(identifies) == 1, "resumed, not identified anew"
    finally:
        await running.adapter.close()


async def test_an_answer_that_overtakes_the_receivers_deferral_is_the_first_response(
    fake: FakeDiscord,
) -> None:
    """Another process delivers the answer in the instant between the receiver storing
    the command and deferring it: the answer becomes the interaction's (ephemeral) first
    response, and the receiver's deferral finds it answered."""
    guild = fake.add_guild("Town Square", shard_of=(0, 2))
    alice = int(fake.add_member(guild, "alice")["user"]["id"])
    received: list[CommandIssued] = []
    arrived, release = asyncio.Event(), asyncio.Event()

    async def slow(event: Event) -> None:
        if isinstance(event, CommandIssued):
            received.append(event)
            arrived.set()
            await release.wait()

    receiver = DiscordAdapter(bot_config(fake, shards=2, shard_ids=[0]), AdapterDeps(COMMANDS))
    await receiver.start(slow)
    other = await start_adapter(fake, shards=2, shard_ids=[1])
    try:
        await fake.wait_request("PUT", rf"/applications/\d+/guilds/{guild.id}/commands")
        interaction = await fake.slash(guild, "general", alice, "help")
        await asyncio.wait_for(arrived.wait(), 5)
        (event,) = received
        assert event.channel is not None
        await other.adapter.perform(
            SendEphemeral(
                bot=BOT,
                channel=event.channel,
                user_id=str(alice),
                display_name="Alice",
                text=_text("overtaking"),
                interaction_id=event.interaction_id,
            )
        )
        assert interaction.acked_type == 4 and interaction.original is not None
        assert interaction.original["content"] == "overtaking"
        assert interaction.original["flags"] & 64
        release.set()
        # The receiver's deferral, once stored, is refused: already answered (40060).
        callbacks = await fake.wait_request(
            "POST", rf"/interactions/{interaction.payload['id']}/.+", count=2
        )
        assert [r.status for r in callbacks] == [204, 400]
        assert callbacks[1].response["code"] == 40060
        assert not fake.messages_in(int(guild.channel("general")["id"]))
    finally:
        await receiver.close()
        await other.adapter.close()
