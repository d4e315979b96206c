"""Reputation through the real runtime: /thanks as a reply or naming members, thank-you
replies in English, Italian and Russian, no self-thanks, a cooldown per pair, at most
three receivers, and the ReputationGiven fact."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.rewards.support import (
    TEXT_ONLY,
    Chat,
    Clock,
    person,
    play,
    running,
    take,
    texts,
    wallets,
)
from tests.support import MemoryAdapter
from townsquare.bots.runtime import Runtime

BOB, CAROL, DAN, EVE, FAY = (
    person(n, username=n.lower()) for n in ("Bob", "Carol", "Dan", "Eve", "Fay")
)


@pytest.fixture
async def town(database_url: str) -> AsyncIterator[tuple[Runtime, MemoryAdapter, Chat]]:
    clock = Clock()
    adapter = MemoryAdapter("mem", capabilities=TEXT_ONLY)
    async with running(database_url, {"mem": adapter}, clock) as runtime:
        yield runtime, adapter, Chat("mem", clock=clock)


async def reputation(runtime: Runtime, name: str) -> int:
    return sum(
        rep
        for (_scope, shown), (_xp, _lv, rep) in (await wallets(runtime)).items()
        if shown == name
    )


@pytest.mark.parametrize("words", ["thanks!", "grazie mille", "спасибо большое"])
async def test_a_thank_you_reply_gives_a_point_silently(
    town: tuple[Runtime, MemoryAdapter, Chat], words: str
) -> None:
    runtime, adapter, chat = town
    await play(runtime, chat.said(CAROL, words, reply_to=BOB))
    assert await reputation(runtime, "Bob") == 1
    assert [t for t in texts(take(adapter)) if "Thanks" in t] == []
    await play(runtime, chat.said(CAROL, words, reply_to=BOB))  # the pair's cooldown
    assert await reputation(runtime, "Bob") == 1
    chat.clock.advance(12 * 3600)
    await play(runtime, chat.said(CAROL, words, reply_to=BOB))
    assert await reputation(runtime, "Bob") == 2


async def test_no_self_thanks_no_refusals_and_not_for_bots(
    town: tuple[Runtime, MemoryAdapter, Chat],
) -> None:
    runtime, adapter, chat = town
    helper = person("Helper", is_bot=True)
    await play(
        runtime,
        chat.said(BOB, "thanks", reply_to=BOB),
        chat.said(CAROL, "no thanks", reply_to=BOB),
        chat.said(CAROL, "thanks", reply_to=helper),
    )
    assert await reputation(runtime, "Bob") == 0 and await reputation(runtime, "Helper") == 0
    take(adapter)
    await play(runtime, chat.command(BOB, "/thanks", reply_to=BOB))
    assert texts(take(adapter)) == ["You cannot thank yourself."]
    await play(runtime, chat.command(BOB, "/thanks"))
    assert texts(take(adapter)) == [
        "Reply with /thanks to the message of the member you thank, or name them."
    ]


async def test_thanks_names_at_most_three_and_says_who_got_a_point(
    town: tuple[Runtime, MemoryAdapter, Chat],
) -> None:
    runtime, adapter, chat = town
    for who in (CAROL, DAN, EVE, FAY):  # known by their usernames once they earned
        await play(runtime, chat.said(who, f"hello everyone, I am {who.display_name}"))
    take(adapter)
    await play(runtime, chat.command(BOB, "/thanks @carol @dan @eve @fay", reply_to=FAY))
    (said,) = texts(take(adapter))
    assert said == ("Thanks given to Fay (reputation 1), Carol (reputation 1), Dan (reputation 1).")
    assert await reputation(runtime, "Eve") == 0
    await play(runtime, chat.command(BOB, "/thanks @carol"))
    assert texts(take(adapter)) == ["You thanked Carol recently already."]
    await play(runtime, chat.said(EVE, "thanks @carol and <@dan>"))  # mentions, no reply
    assert await reputation(runtime, "Carol") == 2 and await reputation(runtime, "Dan") == 2
