"""The feedback board end to end across platforms, through ``townsquare run`` with aiogram,
discord.py and slack-bolt against their fakes, the Telegram group, the Discord guild and
the Slack workspace one space:

* an idea filed on Telegram is posted on the board of each community, and votes from
  Discord and Slack (buttons on each platform's post) make one count, shown on all three;
* "Send as feedback" on a Discord message, and the Slack message shortcut, file its text;
* a similar idea is offered privately before filing ("vote for #1 instead?");
* a member cannot change a status, a manager can, and every backer is told privately on
  their own platform, once, also when the process stops before the notices are due and
  starts again.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.bots import discord_private_answer, slack_button_values, slack_interaction
from tests.fakes.slack import server as slack_fake
from tests.fakes.slack.blocks import message_text
from tests.fakes.telegram import payloads as p
from tests.rewards.town import (
    DC,
    GROUP,
    SL,
    SLACK_ALICE,
    SLACK_BOB,
    SLACK_CHANNEL,
    SLACK_OLGA,
    TG,
    Town,
    shown,
    telegram_user,
)
from tests.rewards.town import town as town

ALICE = telegram_user(2001, "Alice")
OLGA = p.ADMIN
IDEA = "A dark mode for the mobile app"


def discord_dms(town: Town, member: str) -> list[str]:
    """What the bot sent ``member`` privately on Discord."""
    user_id = str(town.discord_members[member])
    channels = [
        c["id"]
        for c in town.discord.channels.values()
        if c["type"] == 1 and c["recipients"][0]["id"] == user_id
    ]
    return [
        str(m["content"]).replace("\\", "").replace("**", "")
        for channel in channels
        for m in town.discord.messages_in(channel)
    ]


def slack_dms(town: Town, user: str) -> list[str]:
    return [
        message_text(call)
        for call in town.slack.called("chat.postMessage")
        if call["channel"] == f"D0{user}"
    ]


def board_post(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((m for m in messages if "#1" in shown(m) and IDEA in shown(m)), None)


@pytest.mark.timeout(300)  # two starts of townsquare run with three SDKs: ~75 s alone
async def test_one_idea_one_count_across_platforms_and_every_backer_told_once(
    town: Town,
) -> None:
    config = town.write_config(space=[TG, DC, SL])
    await town.start(config)
    # A board in each community of the space.
    said = shown(await town.telegram_answer(OLGA, "/feedback board here"))
    assert said.startswith("This channel is now the feedback board"), said
    said = await town.discord_private("mo", "feedback board", where="here")
    assert said.startswith("This channel is now the feedback board"), said
    answer = await town.slack_command(SLACK_OLGA, "/feedback", "board here")
    assert message_text(answer).startswith("This channel is now the feedback board")

    # Filed on Telegram: Alice is told her id privately; a post on each board.
    await town.telegram_says(ALICE, f"/feedback {IDEA}")
    told = await town.telegram_wait(lambda: town.telegram_texts(int(ALICE["id"])))
    assert told[0].startswith("Thanks! Your idea is #1."), told
    on_telegram = await town.telegram_wait(lambda: board_post(town.telegram_sent()))
    assert "1 vote" in shown(on_telegram)
    on_discord = await town.discord.wait_for(
        lambda: board_post(town.discord.messages_in(town.general_id)), timeout=30
    )
    slack_posts = await town.slack.wait_for(
        "chat.postMessage",
        where=lambda m: m["channel"] == SLACK_CHANNEL and IDEA in message_text(m),
        timeout=30,
    )
    slack_index = town.slack.called("chat.postMessage").index(slack_posts[0])
    slack_ts = town.slack.posted[slack_index]

    # Voted on from Discord and Slack: one count, 3, on every board.
    custom_id = on_discord["components"][0]["components"][0]["custom_id"]
    await town.discord.press(town.guild, on_discord, town.discord_members["bob"], custom_id)
    (value,) = slack_button_values(slack_posts[0])
    press = slack_fake.block_actions(
        value, SLACK_BOB, response_url=town.slack.response_url, ts=slack_ts
    )
    assert await slack_interaction(town.slack_port, press) == 200
    await town.slack.wait_for(
        "chat.update", where=lambda m: "3 votes" in message_text(m), timeout=30
    )
    await town.discord.wait_for(
        lambda: "3 votes" in shown(town.discord.messages[int(on_discord["id"])]), timeout=30
    )
    await town.telegram_wait(
        lambda: [
            c
            for c in town.telegram.calls
            if c.method == "editMessageText" and "3 votes" in str(c.params.get("text"))
        ]
    )

    # "Send as feedback" on a Discord message files its text, answered privately.
    message = await town.discord_says("alice", "Could we get a calendar file for each event?")
    menu = await town.discord.message_command(
        town.guild, "general", town.discord_members["bob"], "Send as feedback", message
    )
    answer = (await discord_private_answer(town.discord, menu)).replace("\\", "")
    assert answer.startswith("Thanks! Your idea is #2."), answer

    # And the Slack message shortcut does the same.
    before = len(town.slack.called("response_url"))
    shortcut = {
        "type": "message_action",
        "callback_id": "send_as_feedback",
        "trigger_id": "trigger.feedback",
        "team": {"id": slack_fake.TEAM},
        "user": {"id": SLACK_BOB, "team_id": slack_fake.TEAM},
        "channel": {"id": SLACK_CHANNEL},
        "message": {
            "type": "message",
            "user": SLACK_ALICE,
            "ts": "1700000099.000100",
            "text": "Invite links that expire after one day",
        },
        "response_url": town.slack.response_url,
    }
    assert await slack_interaction(town.slack_port, shortcut) == 200
    (answered,) = (await town.slack.wait_for("response_url", before + 1, timeout=30))[before:]
    assert message_text(answered).startswith("Thanks! Your idea is #3."), answered

    # A similar idea is offered privately before filing, from Slack.
    offer = await town.slack_command(SLACK_ALICE, "/feedback", "please add dark mode to the app")
    assert "Similar ideas are on the board already" in message_text(offer), offer
    assert "Vote for #1 instead?" in message_text(offer)
    dms = await town.slack.wait_for(
        "chat.postMessage", where=lambda m: m["channel"] == f"D0{SLACK_ALICE}", timeout=30
    )
    assert "fb:o:1:1" in slack_button_values(dms[-1])[0]

    # A member cannot change a status; a manager can.
    said = await town.discord_private("bob", "feedback status", id="1", status="done")
    assert said == "Sorry, only managers can use /feedback status.", said
    await town.telegram_says(OLGA, "/feedback status 1 planned Spring release")
    said = await town.telegram_wait(  # the board posts of #2 and #3 may come meanwhile
        lambda: [shown(m) for m in town.telegram_sent() if shown(m).startswith("Idea #1 is")]
    )
    assert said == ["Idea #1 is now Planned; 3 backers will be told privately."], said
    # Stopped before the notices are due (they wait a few seconds for more changes), they
    # are sent after the next start, once.
    await town.stop()
    await town.start(config)
    telegram_told = await town.telegram_wait(
        lambda: [shown(s) for s in town.telegram_sent(int(ALICE["id"])) if "new status" in shown(s)]
    )
    await town.discord.wait_for(
        lambda: any("new status" in t for t in discord_dms(town, "bob")), timeout=30
    )
    await town.slack.wait_for(
        "chat.postMessage",
        where=lambda m: m["channel"] == f"D0{SLACK_BOB}" and "new status" in message_text(m),
        timeout=30,
    )
    await town.stop()
    assert len(telegram_told) == 1
    assert "#1 A dark mode for the mobile app → Planned" in telegram_told[0]
    assert "Spring release" in telegram_told[0]
    bob_discord = [t for t in discord_dms(town, "bob") if "new status" in t]
    bob_slack = [t for t in slack_dms(town, SLACK_BOB) if "new status" in t]
    assert len(bob_discord) == 1 and len(bob_slack) == 1, (bob_discord, bob_slack)
    assert "→ Planned" in bob_discord[0] and "→ Planned" in bob_slack[0]
    # Nobody else was told, and no board post ever pinged anyone.
    assert not any("new status" in t for t in town.telegram_texts(GROUP))
