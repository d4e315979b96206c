"""Tickets end to end through ``townsquare run`` with aiogram, discord.py and slack-bolt
against their loopback fakes:

* a ticket opened on Discord by a direct message, its card in a Telegram managers' inbox,
  answered there by a Telegram reply to the card: the member reads it once, privately, on
  Discord; a member cannot claim it; claim and close from Telegram;
* an answer queued while Discord fails, then a stop, is delivered once after the next
  start; a ticket left quiet while the process was down is closed after the start, with
  a note to its member only;
* a ticket opened on Telegram by a direct message from a member with a hostile name, its
  card in a Slack channel, answered with ``/ticket <id> reply`` and in the card's thread:
  the member reads each answer once on Telegram, and a member cannot close it there.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import BOT_USER
from tests.rewards.town import (
    GROUP,
    SL,
    SLACK_BOB,
    SLACK_CHANNEL,
    SLACK_OLGA,
    TG,
    Town,
    shown,
)
from tests.rewards.town import town as town
from townsquare.storage.database import create_engine
from townsquare.storage.models import ScheduledJob
from townsquare.storage.tickets_models import TicketRow

OLGA = p.ADMIN
FAST_STOP = "\n[delivery]\ndrain_seconds = 1\n"


def inbox_config(town: Town, inbox: str) -> Any:
    return town.write_config(extra=f'\n[defaults]\nescalate_to = "{inbox}"\n{FAST_STOP}')


def dm_channel(town: Town, user_id: int) -> int:
    return next(
        int(channel_id)
        for channel_id, channel in town.discord.channels.items()
        if channel["type"] == 1 and channel["recipients"][0]["id"] == str(user_id)
    )


def bot_dms(town: Town, user_id: int, containing: str) -> list[str]:
    """What the bot wrote to ``user_id`` in private on Discord containing ``containing``."""
    channel = dm_channel(town, user_id)
    return [
        str(m["content"]).replace("\\", "")
        for m in town.discord.bot_messages()
        if int(m["channel_id"]) == channel and containing in str(m["content"]).replace("\\", "")
    ]


def telegram_card(town: Town, ticket: int) -> dict[str, Any]:
    """The ticket's card in the Telegram group, as a message a manager replies to."""
    for (chat, message_id), sent in town.telegram.messages.items():
        if chat == GROUP and f"Ticket #{ticket}" in str(sent["html"]):
            return {
                "message_id": message_id,
                "from": BOT_USER,
                "chat": p.GROUP,
                "date": p.now(),
                "text": shown({"text": sent["html"]}),
            }
    raise AssertionError(f"no card of ticket #{ticket}: {town.telegram_texts()}")


async def move_to_the_past(town: Town, ticket: int) -> None:
    """While the process is down: the ticket has been quiet for 73 hours and its
    auto-close job is due (what the clock would have done meanwhile)."""
    engine = create_engine(town.database_url)
    try:
        async with engine.begin() as connection:
            now = datetime.now(UTC)
            moved = await connection.execute(
                update(ScheduledJob)
                .where(ScheduledJob.key == f"tickets.autoclose:{ticket}")
                .values(due_at=now - timedelta(minutes=1))
            )
            assert moved.rowcount == 1
            await connection.execute(
                update(TicketRow)
                .where(TicketRow.id == ticket)
                .values(last_activity_at=now - timedelta(hours=73))
            )
    finally:
        await engine.dispose()


@pytest.mark.timeout(300)
async def test_a_discord_ticket_is_answered_from_a_telegram_inbox(town: Town) -> None:
    config = inbox_config(town, f"{TG}:{GROUP}")
    await town.start(config)
    alice = town.discord_members["alice"]
    await town.discord_says("alice", "hello everyone")  # where she was seen last
    await town.discord.direct_message(alice, "I cannot log in <b>@everyone</b>")
    await town.telegram_wait(lambda: [t for t in town.telegram_texts() if "Ticket #1" in t])
    card = telegram_card(town, 1)
    assert "I cannot log in <b>@everyone</b>" in card["text"], card
    assert "Alice (discord) · Town Square" in card["text"], card
    acknowledged = await town.discord.wait_for(lambda: bot_dms(town, alice, "ticket #1"), 30)
    assert len(acknowledged) == 1 and "managers of Town Square" in acknowledged[0]

    # The next message is added to the same card (edited in place), not a new one.
    await town.discord.direct_message(alice, "still broken this morning")
    edits = await town.telegram_wait(
        lambda: [
            c
            for c in town.telegram.called("editMessageText")
            if "still broken this morning" in str(c["text"])
        ]
    )
    assert int(edits[-1]["message_id"]) == card["message_id"]

    # A member cannot claim it (answered privately on Discord).
    refused = await town.discord_private("alice", "ticket", text="1 claim")
    assert refused == "Only managers can handle tickets.", refused

    # A manager answers in the Telegram inbox by replying to the card.
    html = str(town.telegram.messages[(GROUP, card["message_id"])]["html"])
    assert "&lt;b&gt;@everyone&lt;/b&gt;" in html, html
    await town.telegram_says(OLGA, "Try logging in again now @everyone", reply_to=card)
    answers = await town.discord.wait_for(
        lambda: bot_dms(town, alice, "Try logging in again now"), 30
    )
    assert "The team of Town Square" in answers[0] and "Olga" not in answers[0], answers

    # Claim from the inbox: the card says who.
    claimed = shown(await town.telegram_answer(OLGA, "/ticket 1 claim"))
    assert claimed == "You handle ticket #1 now.", claimed
    await town.telegram_wait(
        lambda: [
            c for c in town.telegram.called("editMessageText") if "Claimed by" in str(c["text"])
        ]
    )

    # Close from the inbox: the member is told.
    closed = shown(await town.telegram_answer(OLGA, "/ticket 1 close"))
    assert closed == "Ticket #1 is closed; Alice was told.", closed
    await town.discord.wait_for(lambda: bot_dms(town, alice, "closed your ticket #1"), 30)
    await town.stop()
    assert len(bot_dms(town, alice, "Try logging in again now")) == 1


@pytest.mark.timeout(300)
async def test_an_answer_and_an_auto_close_survive_a_restart(town: Town) -> None:
    config = inbox_config(town, f"{TG}:{GROUP}")
    await town.start(config)
    alice, bob = town.discord_members["alice"], town.discord_members["bob"]
    await town.discord_says("alice", "hello everyone")
    await town.discord_says("bob", "hi there")
    await town.discord.direct_message(alice, "one question about the meetup")
    await town.telegram_wait(lambda: [t for t in town.telegram_texts() if "Ticket #1" in t])
    await town.discord.direct_message(bob, "my account is locked")
    await town.telegram_wait(lambda: [t for t in town.telegram_texts() if "Ticket #2" in t])
    await town.discord.wait_for(lambda: bot_dms(town, bob, "ticket #2"), 30)

    # An answer to Bob queued while Discord fails: a stop, then a start delivers it once.
    dm_path = rf"/channels/{dm_channel(town, bob)}/messages"
    failing = len(town.discord.requests)
    error = {"message": "Internal Server Error", "code": 0}
    town.discord.inject("POST", dm_path, 500, error, times=3)
    await town.telegram_says(OLGA, "/ticket 2 reply --named Unlocked it for you")
    await town.discord.wait_request("POST", dm_path, since=failing, count=2, timeout=30)
    await town.stop()
    assert bot_dms(town, bob, "Unlocked it for you") == []
    # Alice's ticket stayed quiet meanwhile: 73 hours pass while the process is down.
    await move_to_the_past(town, 1)
    await town.start(config)
    fixed = await town.discord.wait_for(lambda: bot_dms(town, bob, "Unlocked it for you"), 60)
    assert "Olga (team of Town Square)" in fixed[0], fixed
    note = await town.discord.wait_for(lambda: bot_dms(town, alice, "after a quiet while"), 60)
    assert "ticket #1" in note[0], note
    await town.telegram_wait(
        lambda: [
            c
            for c in town.telegram.called("editMessageText")
            if "Closed after inactivity" in str(c["text"])
        ]
    )
    await town.stop()
    assert len(bot_dms(town, bob, "Unlocked it for you")) == 1
    assert len(bot_dms(town, alice, "after a quiet while")) == 1
    assert bot_dms(town, bob, "after a quiet while") == []


@pytest.mark.timeout(300)
async def test_a_telegram_ticket_is_answered_from_slack(town: Town) -> None:
    await town.start(inbox_config(town, f"{SL}:{SLACK_CHANNEL}"))
    eve = p.EVE
    await town.telegram_says(eve, "good evening")  # where she was seen last
    await town.telegram_private(eve, "Where is the meetup? <!channel> @here")

    def cards() -> list[tuple[int, dict[str, Any]]]:
        return [
            (index, call)
            for index, call in enumerate(town.slack.called("chat.postMessage"))
            if "Ticket #1" in str(call.get("text"))
        ]

    await town.slack.wait_for("chat.postMessage", timeout=30)
    async with asyncio.timeout(30):
        while not cards():
            await town.slack.wait_for(
                "chat.postMessage", len(town.slack.called("chat.postMessage")) + 1, timeout=30
            )
    ((index, card),) = cards()
    assert card["channel"] == SLACK_CHANNEL
    fallback = str(card["text"])
    assert "<!channel>" not in fallback and "<!here>" not in fallback, fallback
    assert "Where is the meetup?" in fallback and "*Eve*" in fallback, fallback
    card_ts = town.slack.posted[index]

    # A member of the workspace cannot close it.
    refused = await town.slack_command(SLACK_BOB, "/ticket", "1 close")
    assert "Only managers can handle tickets." in str(refused.get("text")), refused

    # The owner answers with the command: Eve reads it on Telegram, privately, once.
    sent = await town.slack_command(SLACK_OLGA, "/ticket", "1 reply It is at the library")
    assert "Sent to" in str(sent.get("text")) and "ticket #1" in str(sent.get("text")), sent
    eve_chat = int(eve["id"])
    await town.telegram_wait(
        lambda: [t for t in town.telegram_texts(eve_chat) if "It is at the library" in t]
    )

    # ... and in the card's thread.
    await town.slack_says(SLACK_OLGA, "It starts at 19:00", thread_of=card_ts)
    await town.telegram_wait(
        lambda: [t for t in town.telegram_texts(eve_chat) if "It starts at 19:00" in t]
    )
    await town.stop()
    texts = town.telegram_texts(eve_chat)
    assert len([t for t in texts if "It is at the library" in t]) == 1, texts
    assert len([t for t in texts if "It starts at 19:00" in t]) == 1, texts
    assert all("Olga" not in t for t in texts if "library" in t), texts
