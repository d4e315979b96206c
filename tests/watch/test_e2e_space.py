"""Watch words end to end across platforms, through ``townsquare run`` with aiogram and
discord.py against their fakes, the Telegram group and the Discord guild one space, the
managers' inbox a Discord channel (``[defaults] escalate_to``):

* a member is refused ``/watch add`` on Telegram and on Discord; a Telegram admin adds
  a phrase, and it is the space's: mentioned in the Telegram group and in the Discord
  guild, both mentions reach one digest message in the inbox, with links to them;
* across a restart the hour's digest stays that one message, edited with the next
  mention: nothing lost, nothing doubled.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.telegram import payloads as p
from tests.rewards.town import DC, TG, Town, shown, telegram_user
from tests.rewards.town import town as town

ALICE = telegram_user(2001, "Alice")
OLGA = p.ADMIN


def digests(town: Town, inbox: int) -> list[dict[str, Any]]:
    return [m for m in town.discord.messages_in(inbox) if "Watch words," in m["content"]]


async def test_a_phrase_mentioned_in_two_communities_reaches_one_digest(town: Town) -> None:
    inbox = int(town.guild.channel("managers")["id"])
    extra = f'\n[defaults]\nescalate_to = "{DC}:{inbox}"\n'
    config = town.write_config(space=[TG, DC], extra=extra)
    await town.start(config)

    refused = shown(await town.telegram_answer(ALICE, "/watch add refund"))
    assert refused == "Sorry, only managers can use /watch add.", refused
    refused = await town.discord_private("bob", "watch add", phrase="refund")
    assert refused == "Sorry, only managers can use /watch add.", refused
    added = shown(await town.telegram_answer(OLGA, "/watch add refund"))
    assert added.startswith("Watching #1 “refund”"), added

    said = await town.telegram_says(ALICE, "Where is my REFUND? It has been a week")
    posted = await town.discord_says("bob", "refunds take ages here too @everyone")
    await town.telegram_says(ALICE, "good morning everyone")

    def both() -> list[dict[str, Any]]:
        return [m for m in digests(town, inbox) if "“refund” ×2" in shown(m)]

    try:
        (digest,) = await town.discord.wait_for(both, timeout=30)
    except TimeoutError:
        raise AssertionError([shown(m) for m in town.discord.messages_in(inbox)]) from None
    assert len(digests(town, inbox)) == 1
    content = shown(digest)
    assert "Alice on Telegram" in content and "Bob on Discord" in content, content
    group = str(p.GROUP["id"])[4:]
    assert f"https://t.me/c/{group}/{said['message_id']}" in content, content
    general = town.general_id
    assert f"https://discord.com/channels/{town.guild.id}/{general}/{posted['id']}" in content
    assert "@everyone" not in content  # the excerpt's mention is broken, never a ping

    # A restart: the hour's digest is still the one message, edited with what comes next.
    await town.stop()
    await town.start(config)
    await town.telegram_says(ALICE, "still no refund")

    def three() -> list[dict[str, Any]]:
        return [m for m in digests(town, inbox) if "“refund” ×3" in shown(m)]

    await town.discord.wait_for(three, timeout=30)
    assert len(digests(town, inbox)) == 1, [m["content"] for m in digests(town, inbox)]
    await town.stop()
