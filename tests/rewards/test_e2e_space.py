"""Rewards end to end across platforms, through ``townsquare run`` with aiogram and
discord.py against their fakes, the Telegram group and the Discord guild one space:

* on Discord too, a direct message to the bot and a too short message earn nothing;
* a person who links their Telegram and Discord accounts (``/link``) has one wallet: the
  XP each account earned is counted once, in ``/rank`` on either platform and on the
  space's one leaderboard;
* the level reached gives the Discord role a manager rewards it with (at her next message
  there), and a demotion by a manager (``/xp take`` on Telegram, as a reply) takes the
  role away; ``/xp give`` on Discord names her in the slash command's member option.
"""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.telegram import payloads as p
from tests.rewards.town import (
    DC,
    TG,
    Town,
    announcement,
    board_rows,
    eventually,
    shown,
    telegram_user,
)
from tests.rewards.town import town as town

ALICE = telegram_user(2001, "Alice")
OLGA = p.ADMIN
CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}\b")


def has_card(message: dict[str, Any]) -> bool:
    return bool(message.get("attachments"))


def is_board(message: dict[str, Any]) -> bool:
    return "Leaderboard" in message["content"]


async def telegram_board(town: Town) -> list[str]:
    return board_rows(shown(await town.telegram_answer(ALICE, "/top")))


async def test_a_linked_person_has_one_wallet_and_their_discord_role_follows_the_level(
    town: Town,
) -> None:
    await town.start(town.write_config(space=[TG, DC]))
    alice = town.discord_members["alice"]
    role = town.discord.add_role(town.guild, "Regular")
    # The economy is the space's: set on Telegram, it holds on Discord too.
    for setting in ("cooldown 0s", "xp_max 50", "xp_min 50"):
        said = shown(await town.telegram_answer(OLGA, f"/levels set {setting}"))
        assert " is now " in said, said
    said = await town.discord_private("mo", "levels role", level="1", role=f"<@&{role['id']}>")
    assert said == f"Level 1 now gives the role `{role['id']}`.", said

    # Before linking, each account has its own wallet: Alice is on the board twice.
    first = await town.telegram_says(ALICE, "good morning everyone, how is the week going")
    await town.discord_says("alice", "hello from discord, the meetup is on Thursday")
    assert await telegram_board(town) == [
        "1. Alice — 50 XP (level 0)",
        "2. Alice — 50 XP (level 0)",
    ]
    await town.discord.direct_message(alice, "a private word to the bot, long enough to count")
    await town.discord_says("alice", "ok")
    on_discord = shown(await town.discord_public("alice", "rank", has_card))
    assert on_discord.startswith("Alice — level 0\n50 XP"), on_discord
    assert "the message was too short" in on_discord, on_discord

    # /link on Telegram sends a code privately; typed on Discord, it links the accounts.
    await town.telegram_answer(ALICE, "/link")
    dms = await town.telegram_wait(lambda: town.telegram_texts(int(ALICE["id"])))
    (code,) = set(CODE.findall(dms[0]))
    linked = await town.discord_private("alice", "link", code=code)
    assert linked.startswith("Linked:"), linked

    # One wallet (the accounts' wallets fold when the link's fact is handled, a moment
    # later): 100 XP counted once, on the space's one board and in /rank on both.
    board = await eventually(lambda: telegram_board(town), lambda rows: len(rows) == 1)
    # The joined wallet is at the level its 100 XP make, not the higher of the two old
    # levels (0 each).
    assert board == ["1. Alice — 100 XP (level 1)"], board
    on_discord_board = board_rows(shown(await town.discord_public("bob", "top", is_board)))
    assert on_discord_board == board, on_discord_board
    on_telegram = shown(await town.telegram_answer(ALICE, "/rank"))
    assert on_telegram.startswith("Alice — level 1\n100 XP"), on_telegram
    on_discord = shown(await town.discord_public("alice", "rank", has_card))
    assert on_discord.startswith("Alice — level 1\n100 XP"), on_discord

    # Her next message on Discord gives the role of level 1.
    role_path = rf"/guilds/{town.guild.id}/members/{alice}/roles/{role['id']}"
    await town.discord_says("alice", "I will bring the projector on Thursday")
    await town.discord.wait_request("PUT", role_path, timeout=30)
    assert role["id"] in town.guild.members[alice]["roles"]

    # A manager takes XP on Telegram: level 0 again, and her next Discord message takes
    # the role away.
    said = shown(await town.telegram_answer(OLGA, "/xp take 140", reply_to=first))
    assert said == "Olga took 140 XP from Alice: now 10 XP, level 0.", said
    await town.discord_says("alice", "sorry for the noise earlier today everyone")
    await town.discord.wait_request("DELETE", role_path, timeout=30)
    assert role["id"] not in town.guild.members[alice]["roles"]
    on_discord = shown(await town.discord_public("alice", "rank", has_card))
    assert on_discord.startswith("Alice — level 0\n60 XP"), on_discord

    # On Discord a slash command cannot reply: the member is the command's option.
    before = len(town.discord.messages_in(town.general_id))
    await town.discord.slash(
        town.guild,
        "general",
        town.discord_members["mo"],
        "xp give",
        amount="40",
        member=f"<@{alice}>",
    )
    given = await town.discord.wait_for(
        lambda: [
            m for m in town.discord.messages_in(town.general_id)[before:] if "gave" in m["content"]
        ],
        timeout=30,
    )
    said = given[0]["content"].replace("\\", "").replace("*", "")
    assert said == "Mo gave Alice 40 XP: now 100 XP, level 1.", said
    await town.discord.wait_request("PUT", role_path, timeout=30)  # level 1's role again
    assert role["id"] in town.guild.members[alice]["roles"]

    discord_posts = town.discord.messages_in(town.general_id)
    announced = [m for m in [*town.telegram_sent(), *discord_posts] if announcement(m)]
    assert len(announced) <= 1, "level 1 is announced at most once (linking may reach it)"
    await town.stop()
