"""Rewards end to end on Slack, through ``townsquare run`` and slack-bolt against the fake
Web API: channel messages earn XP and a direct message, a command or a copied text none,
``/rank`` is a rank card uploaded to the channel, thank-yous naming a member in English,
Italian and Russian give reputation (not to oneself), ``/top`` ranks the members, and a
manager's ``/xp give`` names its member with a mention."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from PIL import Image

from tests.fakes.slack import server as slack_fake
from tests.rewards.town import SLACK_ALICE, SLACK_BOB, SLACK_OLGA, Town, board_rows
from tests.rewards.town import town as town
from townsquare.core.rewards.card import HEIGHT, WIDTH

SLACK_CARLA = "U0CARLA"


async def rank_card(town: Town, user: str) -> dict[str, Any]:
    """``/rank`` by ``user``: the card uploaded to the channel (its bytes and comment)."""
    before = len(town.slack.called("files.completeUploadExternal"))
    await town.slack_command(user, "/rank", private=False)
    await town.slack.wait_for("files.completeUploadExternal", before + 1, timeout=30)
    return dict(town.slack.shared_files()[-1])


async def test_messages_thanks_rank_and_top_on_slack(town: Town) -> None:
    town.slack.users[SLACK_CARLA] = slack_fake.user(SLACK_CARLA, "Carla")
    await town.start(town.write_config())
    for setting in ("cooldown 0s", "xp_min 10", "xp_max 10"):  # 10 XP for every message
        answer = await town.slack_command(SLACK_OLGA, "/levels", f"set {setting}")
        assert " is now " in answer["text"], answer

    await town.slack_says(SLACK_ALICE, "good morning everyone, how is the week going")
    await town.slack_says(SLACK_ALICE, "the slides from Thursday are in the shared folder")
    await town.slack_says(SLACK_BOB, "I pushed the fix, can someone review it please")
    await town.slack_says(
        SLACK_ALICE, "a private word to the bot, long enough to count", channel="D0ALICE"
    )
    assert "/rank" in (await town.slack_command(SLACK_ALICE, "/help"))["text"]

    await town.slack_says(SLACK_BOB, f"thanks <@{SLACK_ALICE}>!")
    await town.slack_says(SLACK_CARLA, f"grazie mille <@{SLACK_ALICE}>")
    await town.slack_says(SLACK_OLGA, f"<@{SLACK_ALICE}> спасибо!")
    await town.slack_says(SLACK_ALICE, f"thanks <@{SLACK_ALICE}>")  # herself: nothing

    card = await rank_card(town, SLACK_ALICE)
    assert card["channel"] == "C0GENERAL" and card["mimetype"] == "image/png"
    assert Image.open(BytesIO(card["data"])).size == (WIDTH, HEIGHT)
    caption = slack_fake.message_text(card)
    assert caption.startswith("Alice — level 0\n20 XP · 20 / 100 XP to level 1"), caption
    assert "Reputation: 3" in caption, "thanked in three languages; not by herself"

    await town.slack_command(SLACK_BOB, "/top", private=False)
    (top,) = await town.slack.wait_for(
        "chat.postMessage", where=lambda sent: "Leaderboard" in slack_fake.message_text(sent)
    )
    rows = board_rows(slack_fake.message_text(top))
    first_two = {row.split(". ", 1)[1] for row in rows[:2]}  # tied, in either order
    assert first_two == {"Alice — 20 XP (level 0)", "Bob — 20 XP (level 0)"}, rows
    last_two = {row.split(". ", 1)[1] for row in rows[2:]}
    assert last_two == {"Carla — 10 XP (level 0)", "Olga — 10 XP (level 0)"}, rows
    # A manager names the member in the command's text (Slack writes the mention as
    # <@U0BOB|bob>): the change is posted in the channel.
    answer = await town.slack_command(
        SLACK_OLGA, "/xp", f"give 30 <@{SLACK_BOB}|bob>", private=False
    )
    (given,) = await town.slack.wait_for(
        "chat.postMessage", where=lambda sent: "gave" in slack_fake.message_text(sent)
    )
    said = slack_fake.message_text(given).replace("*", "")
    assert said == "Olga gave Bob 30 XP: now 50 XP, level 0.", said
    await town.stop()
