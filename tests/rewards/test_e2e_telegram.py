"""Rewards end to end on Telegram, through ``townsquare run`` and aiogram against the fake
Bot API: messages earn XP and farmed ones none (too short, repeated, copied, a direct
message, a command), ``/rank`` is a rank card that says why, a level-up is announced once
(across a restart too), thank-yous in English, Italian and Russian give reputation (not
to oneself, not twice from one member), and ``/top`` ranks the members."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

from PIL import Image

from tests.fakes.telegram import payloads as p
from tests.rewards.town import Town, announcement, board_rows, shown, telegram_user
from tests.rewards.town import town as town
from townsquare.core.rewards.card import HEIGHT, WIDTH

ALICE = telegram_user(2001, "Alice")
BOB = telegram_user(2002, "Bob")
CARLA = telegram_user(2003, "Carla", "it")
DIMA = telegram_user(2004, "Dima", "ru")
OLGA = p.ADMIN
XP = re.compile(r"([\d,]+) XP ·")


async def rank(town: Town, user: dict[str, Any]) -> tuple[int, str]:
    """``/rank`` by ``user``: their XP and the caption of their rank card."""
    card = await town.telegram_answer(user, "/rank")
    assert card["method"] == "sendPhoto", card
    (_chat, photo) = town.telegram.photos[-1]
    assert Image.open(BytesIO(photo.data)).size == (WIDTH, HEIGHT)
    caption = shown(card)
    assert caption.startswith(f"{user['first_name']} — level "), caption
    found = XP.search(caption)
    assert found, caption
    return int(found.group(1).replace(",", "")), caption


async def manager_sets(town: Town, *settings: str) -> None:
    for setting in settings:
        said = shown(await town.telegram_answer(OLGA, f"/levels set {setting}"))
        assert " is now " in said, said


async def test_messages_earn_xp_farming_earns_none_and_a_level_up_is_announced_once(
    town: Town,
) -> None:
    config = town.write_config()
    await town.start(config)
    await manager_sets(town, "cooldown 0s")  # so that only the farming rules hold XP back

    await town.telegram_says(ALICE, "good morning everyone, how is the week going")
    xp, _caption = await rank(town, ALICE)
    assert 15 <= xp <= 25, "an ordinary message earns 15–25 XP"

    # Farming earns nothing, and the member's own /rank says why.
    await town.telegram_says(ALICE, "lol")
    again, caption = await rank(town, ALICE)
    assert again == xp and "the message was too short" in caption, caption
    await town.telegram_says(ALICE, "Good morning everyone,  how is the week going!")
    again, caption = await rank(town, ALICE)
    assert again == xp and "it repeated a message of yours" in caption, caption
    await town.telegram_says(BOB, "good morning everyone, how is the week going")
    bob, caption = await rank(town, BOB)
    assert bob == 0 and "it copied a message that already earned XP" in caption, caption
    await town.telegram_private(ALICE, "a private word to the bot, long enough to count")
    assert "Commands you can use" in shown(await town.telegram_answer(ALICE, "/help"))
    again, _caption = await rank(town, ALICE)
    assert again == xp, "a direct message and commands (/help, /rank) earn nothing"

    await town.telegram_says(ALICE, "the meetup is on Thursday at the library")
    more, _caption = await rank(town, ALICE)
    assert 15 <= more - xp <= 25, "the next ordinary message earns again"

    # 50 XP a message: level 1 (100 XP on MEE6's curve) is announced, once.
    await manager_sets(town, "xp_max 50", "xp_min 50")
    await town.telegram_says(ALICE, "who is bringing the projector")
    await town.telegram_says(ALICE, "I can bring snacks for everyone")
    total, caption = await rank(town, ALICE)
    assert total == more + 100 and caption.startswith("Alice — level 1"), caption
    announced = [shown(sent) for sent in town.telegram_sent() if announcement(sent)]
    assert announced == ["🎉 Alice reached level 1!"], announced

    # Not again: neither after a restart nor for another message in level 1.
    await town.stop()
    await town.start(config)
    await town.telegram_says(ALICE, "see you all there, it will be fun")
    after, caption = await rank(town, ALICE)
    assert after == total + 50 and caption.startswith("Alice — level 1"), caption
    assert [shown(sent) for sent in town.telegram_sent() if announcement(sent)] == announced
    await town.stop()


async def test_thanks_in_three_languages_and_the_leaderboard(town: Town) -> None:
    await town.start(town.write_config())
    await manager_sets(town, "cooldown 0s", "xp_min 10", "xp_max 10")  # 10 XP a message
    await town.telegram_says(ALICE, "good evening, the talk starts in ten minutes")
    await town.telegram_says(ALICE, "the slides are in the shared folder")
    helped = await town.telegram_says(ALICE, "the venue changed: we meet at the library at 7 pm")
    await town.telegram_says(BOB, "I pushed the fix, can someone review it please")

    await town.telegram_says(BOB, "thanks!", reply_to=helped)
    await town.telegram_says(CARLA, "grazie mille", reply_to=helped)
    await town.telegram_says(DIMA, "спасибо большое", reply_to=helped)
    await town.telegram_says(ALICE, "thank you", reply_to=helped)  # herself: no reputation
    await town.telegram_says(CARLA, "no, grazie", reply_to=helped)  # a refusal: none
    xp, caption = await rank(town, ALICE)
    assert xp == 40 and "Reputation: 3" in caption, caption

    # /thanks answers; one member's second thanks to another does not count.
    said = shown(await town.telegram_answer(BOB, "/thanks", reply_to=helped))
    assert said == "You thanked Alice recently already.", said
    said = shown(await town.telegram_answer(ALICE, "/thanks", reply_to=helped))
    assert said == "You cannot thank yourself.", said
    _xp, caption = await rank(town, ALICE)
    assert "Reputation: 3" in caption, caption

    rows = board_rows(shown(await town.telegram_answer(DIMA, "/top")))
    assert rows[0] == "1. Alice — 40 XP (level 0)", rows
    tied = {row.split(". ", 1)[1] for row in rows[1:3]}  # 2. and 3., in either order
    assert tied == {"Bob — 20 XP (level 0)", "Carla — 20 XP (level 0)"}, rows
    assert rows[3:] == ["4. Dima — 10 XP (level 0)"], rows
    week = board_rows(shown(await town.telegram_answer(DIMA, "/top week")))
    assert week[0] == "1. Alice — 40 XP (level 0)" and len(week) == 4, week
    await town.stop()
