"""XP for messages through the real runtime and SQL store: once per cooldown, a random
amount in the range, nothing for farmed messages, and why in /rank."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event

from tests.rewards.support import (
    TEXT_ONLY,
    Chat,
    Clock,
    batch,
    boss,
    person,
    play,
    running,
    take,
    texts,
    wallets,
    xp_of,
)
from tests.support import MemoryAdapter
from townsquare.bots.runtime import Runtime
from townsquare.core.refs import Actor, ChannelRef
from townsquare.core.rewards.feature import Rewards

BOB, CAROL, EVE = person("Bob"), person("Carol"), person("Eve")
ALICE = boss()
LONG = "good morning everyone, how is the week going"


@pytest.fixture
async def town(database_url: str) -> AsyncIterator[tuple[Runtime, MemoryAdapter, Chat]]:
    clock = Clock()
    adapter = MemoryAdapter("mem", capabilities=TEXT_ONLY)
    async with running(database_url, {"mem": adapter}, clock) as runtime:
        yield runtime, adapter, Chat("mem", clock=clock)


async def rank_of(runtime: Runtime, adapter: MemoryAdapter, chat: Chat, who: Actor) -> str:
    take(adapter)
    await play(runtime, chat.command(who, "/rank"))
    (answer,) = texts(take(adapter))
    return answer


async def test_a_message_earns_once_per_cooldown(
    town: tuple[Runtime, MemoryAdapter, Chat],
) -> None:
    runtime, adapter, chat = town
    await play(runtime, chat.said(BOB, LONG))
    first = xp_of(await wallets(runtime), "Bob")
    assert 15 <= first <= 25
    chat.clock.advance(30)
    await play(runtime, chat.said(BOB, "see you at the meetup tonight, I bring the projector"))
    assert xp_of(await wallets(runtime), "Bob") == first
    assert "Cooldown: your next message earns XP in 30 seconds." in await rank_of(
        runtime, adapter, chat, BOB
    )
    chat.clock.advance(30)
    await play(runtime, chat.said(BOB, "I pushed the fix, can someone review it"))
    second = xp_of(await wallets(runtime), "Bob")
    assert 30 <= second <= 50 and second > first
    assert take(adapter) == []  # earning XP posts nothing


async def test_farmed_messages_earn_nothing_and_rank_says_why(
    town: tuple[Runtime, MemoryAdapter, Chat],
) -> None:
    runtime, adapter, chat = town
    direct = chat.said(BOB, LONG, channel="bob")
    direct = type(direct)(**{**_fields(direct), "channel": ChannelRef("bob", is_direct=True)})
    bot = person("Helper", is_bot=True)
    await play(
        runtime,
        direct,  # a direct message
        chat.said(BOB, "/notacommand of ours but still a command"),
        chat.said(bot, LONG),
        chat.said(BOB, "ok"),
    )
    assert xp_of(await wallets(runtime), "Bob") == 0
    assert xp_of(await wallets(runtime), "Helper") == 0
    assert "Your last message earned no XP: the message was too short." in await rank_of(
        runtime, adapter, chat, BOB
    )

    await play(runtime, chat.said(CAROL, LONG))
    earned = xp_of(await wallets(runtime), "Carol")
    assert earned > 0
    await play(runtime, chat.said(BOB, LONG.upper() + "!!"))  # copied, shouting
    assert xp_of(await wallets(runtime), "Bob") == 0
    assert "it copied a message that already earned XP" in await rank_of(
        runtime, adapter, chat, BOB
    )
    chat.clock.advance(120)
    await play(runtime, chat.said(CAROL, LONG))  # her own again
    assert xp_of(await wallets(runtime), "Carol") == earned
    assert "it repeated a message of yours" in await rank_of(runtime, adapter, chat, CAROL)
    await play(
        runtime,
        chat.said(
            EVE,
            "the venue changed, we meet at seven",
            reply_to=BOB,
            quoted="The venue changed: we meet at seven",
        ),
    )
    assert xp_of(await wallets(runtime), "Eve") == 0

    await play(runtime, chat.said(BOB, "a message of my own, finally"))
    assert xp_of(await wallets(runtime), "Bob") > 0
    assert "earned no XP" not in await rank_of(runtime, adapter, chat, BOB)


def _fields(event: object) -> dict[str, object]:
    return {name: getattr(event, name) for name in event.__dataclass_fields__}  # type: ignore[attr-defined]


async def test_a_chunk_of_messages_earns_once_per_member(
    town: tuple[Runtime, MemoryAdapter, Chat],
) -> None:
    runtime, _adapter, chat = town
    events = [chat.said(who, f"{LONG} number {n}") for n in range(20) for who in (BOB, CAROL)]
    await batch(runtime, *events)
    found = await wallets(runtime)
    assert 15 <= xp_of(found, "Bob") <= 25 and 15 <= xp_of(found, "Carol") <= 25


async def test_messages_of_members_in_their_cooldown_cost_no_statement(
    town: tuple[Runtime, MemoryAdapter, Chat],
) -> None:
    """Once a grant commits, this process remembers the member's cooldown: a chunk of
    their messages in it reads and writes no rewards table at all; once it ends they earn
    again (the wallet, read from the database, decides)."""
    runtime, _adapter, chat = town
    (rewards,) = [feature for feature in runtime.features if isinstance(feature, Rewards)]
    rewards.services.now = chat.clock  # the pipeline's clock, which the test moves
    await batch(runtime, chat.said(BOB, LONG), chat.said(CAROL, f"{LONG} as well"))
    earned = await wallets(runtime)
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    engine = runtime.store.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        chat.clock.advance(10)
        await batch(
            runtime,
            *(chat.said(who, f"{LONG}, part {n}") for n in range(5) for who in (BOB, CAROL)),
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen, "the other features wrote the chunk"
    assert not [s for s in seen if "rewards_" in s], [s for s in seen if "rewards_" in s]
    assert await wallets(runtime) == earned
    chat.clock.advance(60)
    await play(runtime, chat.said(BOB, "the cooldown is over, so this one earns again"))
    assert xp_of(await wallets(runtime), "Bob") > xp_of(earned, "Bob")


async def test_rank_shows_level_progress_position_and_reputation(
    town: tuple[Runtime, MemoryAdapter, Chat],
) -> None:
    runtime, adapter, chat = town
    await play(runtime, chat.command(ALICE, "/xp give 300", reply_to=BOB))
    assert texts(take(adapter)) == [
        "🎉 @Bob reached level 2!",
        "Alice gave Bob 300 XP: now 300 XP, level 2.",
    ]
    await play(runtime, chat.said(CAROL, LONG))
    answer = await rank_of(runtime, adapter, chat, BOB)
    assert answer.splitlines() == [
        "Bob — level 2",
        "300 XP · 45 / 220 XP to level 3",
        "Rank #1 of 2",
        "Reputation: 0",
    ]
    take(adapter)
    await play(runtime, chat.command(CAROL, "/rank", reply_to=BOB))
    assert texts(take(adapter))[0].startswith("Bob — level 2")


async def test_rank_is_a_png_card_where_the_platform_shows_files(database_url: str) -> None:
    from townsquare.core.actions import SendFile
    from townsquare.core.capabilities import Capability

    clock = Clock()
    adapter = MemoryAdapter("mem", capabilities=TEXT_ONLY | {Capability.FILES})
    chat = Chat("mem", clock=clock)
    async with running(database_url, {"mem": adapter}, clock) as runtime:
        await play(runtime, chat.said(BOB, LONG), chat.command(BOB, "/rank"))
        (card,) = [a for a in take(adapter) if isinstance(a, SendFile)]
        assert card.mime_type == "image/png" and card.data.startswith(b"\x89PNG")
        assert card.channel == ChannelRef("general")
        assert card.caption.plain().startswith("Bob — level 0")


async def test_farmed_text_in_the_cooldown_earns_nothing_and_writes_nothing(
    town: tuple[Runtime, MemoryAdapter, Chat],
) -> None:
    """In one chunk, a member's messages after the one that earned are in its cooldown:
    judged from the wallet read ahead before their text is looked at, so a repeat, a copy
    or a too short text among them earns nothing and is not recorded as a miss (/rank
    shows the cooldown only); the chunk reads the rewards tables once and writes them
    once, on PostgreSQL too (its one read is for update)."""
    runtime, adapter, chat = town
    await play(runtime, chat.said(CAROL, LONG))  # Carol's text earned
    await play(runtime, chat.said(BOB, "an earlier message of mine, long enough"))
    chat.clock.advance(120)  # both out of their cooldown again
    before = await wallets(runtime)
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    engine = runtime.store.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        await batch(
            runtime,
            chat.said(BOB, "a fresh message of mine that earns"),
            chat.said(BOB, "a fresh message of mine that earns"),  # repeated
            chat.said(BOB, LONG),  # copied from Carol
            chat.said(BOB, "ok"),  # too short
        )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    after = await wallets(runtime)
    gained = xp_of(after, "Bob") - xp_of(before, "Bob")
    assert 15 <= gained <= 25
    assert xp_of(after, "Carol") == xp_of(before, "Carol")
    touched = [s for s in seen if "rewards_" in s]
    reads = [s for s in touched if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1, touched
    if runtime.store.dialect == "postgresql":
        assert "FOR UPDATE" in reads[0]
    assert len(touched) == 2, touched  # the read and the chunk's one upsert
    answer = await rank_of(runtime, adapter, chat, BOB)
    assert "Cooldown:" in answer
    assert "earned no XP" not in answer
