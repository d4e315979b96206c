"""Linking a Telegram account and a Discord account through the real SDKs (aiogram and
python-telegram-bot, discord.py) against the loopback fakes: the code reaches the caller
only privately, a guesser is cut off and cannot use a real code afterwards, and the code
then still links the owner's accounts."""

from __future__ import annotations

import re
from typing import Any

from tests.discord.conftest import World
from tests.fakes.bots import (
    discord_bot,
    discord_private_answer,
    discord_ready,
    running,
    telegram_bot,
)
from tests.fakes.discord import FakeDiscord
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from townsquare.core.people import rules

CODE = re.compile(rf"[{rules.ALPHABET}]{{4}}-[{rules.ALPHABET}]{{4}}")
GROUP = int(str(p.GROUP["id"]))
ALICE = int(str(p.ALICE["id"]))


def sent_to(api: FakeBotApi, chat: int) -> list[str]:
    return [str(call["text"]) for call in api.called("sendMessage") if int(call["chat_id"]) == chat]


async def slash(fake: FakeDiscord, world: World, user_id: int, **values: str) -> str:
    interaction = await fake.slash(world.guild, "general", user_id, "link", **values)
    return (await discord_private_answer(fake, interaction)).replace("\\", "").replace("**", "")


async def test_a_telegram_code_links_a_discord_account_and_nobody_else(
    api: FakeBotApi, backend: str, fake: FakeDiscord, world: World, sqlite_url: str
) -> None:
    eve = int(fake.add_member(world.guild, "eve", global_name="Eve")["user"]["id"])
    async with running(sqlite_url, telegram_bot(api, backend), discord_bot(fake)):
        await discord_ready(fake, world.guild)
        await api.push(p.command("/link"))
        await api.wait_for("sendMessage", count=2, timeout=15)
        (dm,) = sent_to(api, ALICE)
        (code,) = set(CODE.findall(dm))
        assert "10 minutes" in dm
        (note,) = sent_to(api, GROUP)
        assert "privately" in note and code not in note and code.replace("-", "") not in note

        # Eve guesses on Discord: cut off at the fifth wrong code ...
        wrong = "ZZZZ-ZZZZ" if code != "ZZZZ-ZZZZ" else "YYYY-YYYY"
        for attempt in range(1, rules.MAX_FAILURES + 1):
            answer = await slash(fake, world, eve, code=wrong)
            assert answer.startswith("This code is unknown, used or expired.")
            assert ("Too many wrong codes" in answer) == (attempt == rules.MAX_FAILURES)
        # ... and then even Alice's real code links nothing and is not used up.
        assert (await slash(fake, world, eve, code=code)).startswith("Too many wrong codes")
        assert "No other account is linked" in await slash(fake, world, eve)

        linked = await slash(fake, world, world.alice_id, code=code.lower())
        assert linked.startswith("Linked: this Discord account and your Telegram account Alice.")
        await api.wait_for("sendMessage", count=3, timeout=15)
        told = sent_to(api, ALICE)[-1]
        assert "now linked with the Discord account" in told and "/unlink discord" in told

        listed = await slash(fake, world, world.alice_id)
        assert "Your linked accounts:" in listed
        assert re.search(r"Discord: Alice \(this account\)\nTelegram: Alice", listed), listed
        assert CODE.search(listed)  # /link alone gives a fresh code too
        assert not [m for m in fake.messages_in(world.general_id) if CODE.search(m["content"])]


async def test_a_code_the_platform_cannot_deliver_privately_is_never_shown(
    api: FakeBotApi, backend: str, sqlite_url: str
) -> None:
    api.unreachable_users.add(ALICE)
    async with running(sqlite_url, telegram_bot(api, backend)):
        await api.push(p.command("/link"))
        await api.wait_for("sendMessage", count=2, timeout=15)
        calls: list[Any] = api.called("sendMessage")
    with_code = [int(call["chat_id"]) for call in calls if CODE.search(str(call["text"]))]
    assert with_code == [ALICE]  # the direct message Telegram refused, nothing else
    assert sent_to(api, GROUP) == [
        "I sent you a one-time code privately. Nothing arrived? Start a private chat with me "
        "first, then send /link again."
    ]
