"""The rewards commands through the real runtime: who may run each, /xp audited, /levels
settings, level-up announcements, /top pages, the weekly post."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from tests.rewards.support import (
    TEXT_ONLY,
    Chat,
    Clock,
    boss,
    person,
    play,
    running,
    settle,
    take,
    texts,
    wallets,
    xp_of,
)
from tests.support import MemoryAdapter
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import AnswerButton, EditMessage, SendDirect, SendMessage
from townsquare.core.events import ButtonPressed
from townsquare.core.refs import ChannelRef, MessageRef
from townsquare.storage.models import ScheduledJob
from townsquare.storage.rewards_models import RewardsLedgerRow

BOB, CAROL = person("Bob"), person("Carol")
ALICE = boss()
LONG = "good morning everyone, how is the week going"


@pytest.fixture
async def town(database_url: str) -> AsyncIterator[tuple[Runtime, MemoryAdapter, Chat]]:
    clock = Clock()
    adapter = MemoryAdapter("mem", capabilities=TEXT_ONLY)
    async with running(database_url, {"mem": adapter}, clock) as runtime:
        yield runtime, adapter, Chat("mem", clock=clock)


async def answers(runtime: Runtime, adapter: MemoryAdapter, *events: object) -> list[str]:
    take(adapter)
    await play(runtime, *events)  # type: ignore[arg-type]
    return texts(take(adapter))


async def test_members_cannot_run_the_managers_commands(
    town: tuple[Runtime, MemoryAdapter, Chat],
) -> None:
    runtime, adapter, chat = town
    for text, shown in (
        ("/xp give 50", "/xp give"),
        ("/xp take 5", "/xp take"),
        ("/xp reset", "/xp reset"),
        ("/levels", "/levels"),
        ("/levels set cooldown 1s", "/levels set"),
        ("/levels role 2 123", "/levels role"),
        ("/levels channel off", "/levels channel"),
        ("/levels announce off", "/levels announce"),
    ):
        (said,) = await answers(runtime, adapter, chat.command(BOB, text, reply_to=BOB))
        assert said == f"Sorry, only managers can use {shown}.", text
    assert xp_of(await wallets(runtime), "Bob") == 0
    (shown,) = await answers(runtime, adapter, chat.command(ALICE, "/levels"))
    assert "XP per message: 15–25, at most once every 1m" in shown


async def test_xp_give_take_reset_are_replies_and_audited(
    town: tuple[Runtime, MemoryAdapter, Chat],
) -> None:
    runtime, adapter, chat = town
    assert await answers(runtime, adapter, chat.command(ALICE, "/xp give 50")) == [
        "Name the member or reply to their message: /xp give 50 @member, /xp take 50 "
        "@member or /xp reset @member."
    ]
    assert await answers(runtime, adapter, chat.command(ALICE, "/xp give lots", reply_to=BOB)) == [
        "Give a whole number from 1 to 1000000."
    ]
    said = await answers(runtime, adapter, chat.command(ALICE, "/xp give 120", reply_to=BOB))
    assert said == ["🎉 @Bob reached level 1!", "Alice gave Bob 120 XP: now 120 XP, level 1."]
    said = await answers(runtime, adapter, chat.command(ALICE, "/xp take 30", reply_to=BOB))
    assert said == ["Alice took 30 XP from Bob: now 90 XP, level 0."]
    said = await answers(runtime, adapter, chat.command(ALICE, "/xp take 500", reply_to=BOB))
    assert said == ["Alice took 500 XP from Bob: now 0 XP, level 0."]
    await play(runtime, chat.command(ALICE, "/xp give 70", reply_to=BOB))
    said = await answers(runtime, adapter, chat.command(ALICE, "/xp reset", reply_to=BOB))
    assert said == ["Alice reset the XP of Bob (it was 70 XP, level 0)."]
    assert xp_of(await wallets(runtime), "Bob") == 0
    table = RewardsLedgerRow.__table__
    async with runtime.store.engine.connect() as connection:
        rows = (await connection.execute(select(table).order_by(table.c.id))).all()
    assert [(r.kind, r.delta, r.xp, r.by_user_id, r.by_name) for r in rows] == [
        ("give", 120, 120, "alice", "Alice"),
        ("take", -30, 90, "alice", "Alice"),
        ("take", -90, 0, "alice", "Alice"),
        ("give", 70, 70, "alice", "Alice"),
        ("reset", -70, 0, "alice", "Alice"),
    ]


async def test_xp_names_a_member_known_here_instead_of_a_reply(
    town: tuple[Runtime, MemoryAdapter, Chat],
) -> None:
    """Where a command cannot reply (Discord's slash commands), the member is named: a
    mention, a username or an id, the amount before or after it. Only a member with a
    wallet here can be named; a named member gets the change as a reply would give it."""
    runtime, adapter, chat = town
    bob = person("Bob", username="bobby")
    await play(runtime, chat.said(bob, LONG))  # Bob earns here: he has a wallet
    before = xp_of(await wallets(runtime), "Bob")
    said = await answers(runtime, adapter, chat.command(ALICE, "/xp give 100 <@bob>"))
    assert said[-1] == f"Alice gave Bob 100 XP: now {before + 100} XP, level 1.", said
    said = await answers(runtime, adapter, chat.command(ALICE, "/xp take @bobby 10"))
    assert said == [f"Alice took 10 XP from Bob: now {before + 90} XP, level 1."], said
    said = await answers(runtime, adapter, chat.command(ALICE, "/xp reset bob"))
    assert said == [f"Alice reset the XP of Bob (it was {before + 90} XP, level 1)."], said
    assert xp_of(await wallets(runtime), "Bob") == 0
    # A name wins over the reply; nobody unknown here is named, nor gets a wallet so.
    said = await answers(runtime, adapter, chat.command(ALICE, "/xp give 5 <@bob>", reply_to=CAROL))
    assert said == ["Alice gave Bob 5 XP: now 5 XP, level 0."], said
    for text in ("/xp give 5 <@carol>", "/xp give 5 @nobody", "/xp reset <@1234>"):
        (refused,) = await answers(runtime, adapter, chat.command(ALICE, text))
        assert refused.startswith("I know no member ") and refused.endswith(" here."), refused
    assert xp_of(await wallets(runtime), "Carol") == 0
    assert {name for _scope, name in await wallets(runtime)} == {"Bob"}
    (refused,) = await answers(runtime, adapter, chat.command(BOB, "/xp give 5 <@bob>"))
    assert refused == "Sorry, only managers can use /xp give."


async def test_levels_settings(town: tuple[Runtime, MemoryAdapter, Chat]) -> None:
    runtime, adapter, chat = town

    async def levels(text: str) -> str:
        (said,) = await answers(runtime, adapter, chat.command(ALICE, text))
        return said

    assert await levels("/levels set cooldown 2m") == "cooldown is now 2m."
    assert await levels("/levels set cooldown forever") == (
        "Give a duration like 60s, 5m or 12h, at most 1d."
    )
    assert await levels("/levels set xp_min 30") == "xp_min cannot be above xp_max (25)."
    assert await levels("/levels set xp_max 40") == "xp_max is now 40."
    assert await levels("/levels set xp_min 40") == "xp_min is now 40."
    assert await levels("/levels set curve flat") == "curve is now flat."
    assert await levels("/levels set curve steep") == "Give one of: mee6, linear, flat."
    unknown = await levels("/levels set colour blue")
    assert unknown.startswith("There is no setting colour; keys:")
    assert await levels("/levels set multiplier 2") == "Messages in this channel now earn 2× XP."
    await play(runtime, chat.said(BOB, LONG))
    assert xp_of(await wallets(runtime), "Bob") == 80
    chat.clock.advance(120)
    assert await levels("/levels channel off") == "Messages in this channel no longer earn XP."
    await play(runtime, chat.said(BOB, "see you at the meetup tonight"))
    assert xp_of(await wallets(runtime), "Bob") == 80
    (rank,) = await answers(runtime, adapter, chat.command(BOB, "/rank"))
    assert "Your last message earned no XP: this channel gives no XP." in rank
    await play(runtime, chat.said(BOB, "but this one is elsewhere", channel="random"))
    assert xp_of(await wallets(runtime), "Bob") == 120
    assert await levels("/levels channel on") == "Messages in this channel earn XP again."
    assert await levels("/levels set enabled off") == "enabled is now off."
    assert await answers(runtime, adapter, chat.command(BOB, "/rank")) == [
        "Levels and reputation are off in this community."
    ]


async def test_a_level_up_is_announced_once_where_chosen(
    town: tuple[Runtime, MemoryAdapter, Chat],
) -> None:
    runtime, adapter, chat = town
    await play(runtime, chat.command(ALICE, "/levels set xp_max 100"))
    await play(runtime, chat.command(ALICE, "/levels set xp_min 100"))
    take(adapter)
    await play(runtime, chat.said(BOB, LONG))
    (up,) = take(adapter)
    assert isinstance(up, SendMessage) and up.channel.id == "general"
    assert up.text.plain() == "🎉 @Bob reached level 1!"
    redelivered = chat.said(BOB, "see you at the meetup tonight")
    chat.clock.advance(61)
    await play(runtime, redelivered, redelivered)  # 200 XP: still level 1, said nothing
    assert take(adapter) == []

    await play(runtime, chat.command(ALICE, "/levels announce dm"))
    take(adapter)
    chat.clock.advance(61)
    await play(runtime, chat.said(BOB, "I pushed the fix, can someone review it"))  # 300: 2
    (up,) = take(adapter)
    assert isinstance(up, SendDirect) and up.user_id == "bob"

    await play(runtime, chat.command(ALICE, "/levels announce here", channel="levels"))
    take(adapter)
    chat.clock.advance(61)
    await play(runtime, chat.said(BOB, "the venue changed, we meet at the library"))
    await play(runtime, chat.command(ALICE, "/xp give 300", reply_to=BOB))  # 700: 3
    (up,) = [a for a in take(adapter) if "reached level" in texts([a])[0]]
    assert isinstance(up, SendMessage) and up.channel.id == "levels"  # any order: two chats

    await play(runtime, chat.command(ALICE, "/levels announce off"))
    take(adapter)
    await play(runtime, chat.command(ALICE, "/xp give 1000", reply_to=BOB))
    assert [t for t in texts(take(adapter)) if "reached" in t] == []


async def test_top_pages_with_buttons(town: tuple[Runtime, MemoryAdapter, Chat]) -> None:
    runtime, adapter, chat = town
    for n in range(12):
        await play(runtime, chat.command(ALICE, f"/xp give {10 + n}", reply_to=person(f"M{n:02}")))
    take(adapter)
    assert await answers(runtime, adapter, chat.command(BOB, "/top forever")) == [
        "Choose week, month or all: /top week"
    ]
    await play(runtime, chat.command(BOB, "/top"))
    (board,) = take(adapter)
    assert isinstance(board, SendMessage) and board.key is not None
    lines = board.text.plain().splitlines()
    assert lines[0] == "🏆 Leaderboard — all time"
    assert lines[1] == "1. M11 — 21 XP (level 0)" and lines[-1] == "Page 1 of 2"
    assert len(lines) == 12
    (moves, periods) = board.buttons
    assert [b.label for b in moves] == ["▶"] and [b.label for b in periods] == ["Week", "Month"]
    press = ButtonPressed(
        **chat._env(CAROL),
        data=moves[0].data,
        interaction_id="i-1",
        message=MessageRef(ChannelRef("general"), "m1"),
    )
    await play(runtime, press)
    done = take(adapter)
    (edit,) = [a for a in done if isinstance(a, EditMessage)]
    (answer,) = [a for a in done if isinstance(a, AnswerButton)]
    assert edit.key == board.key
    assert edit.text.plain().splitlines()[1:] == [
        "11. M01 — 11 XP (level 0)",
        "12. M00 — 10 XP (level 0)",
        "Page 2 of 2",
    ]
    assert isinstance(answer, AnswerButton)
    elsewhere = ButtonPressed(
        **chat._env(CAROL, channel="random"), data=moves[0].data, interaction_id="i-2"
    )
    await play(runtime, elsewhere)  # a leaderboard's button pressed in another chat
    assert [a for a in take(adapter) if isinstance(a, EditMessage)] == []  # edits nothing
    week = await answers(runtime, adapter, chat.command(BOB, "/top week"))
    assert week[0].splitlines()[0] == "🏆 Leaderboard — this week"


async def test_the_weekly_post_is_made_once_a_week(
    town: tuple[Runtime, MemoryAdapter, Chat],
) -> None:
    runtime, adapter, chat = town
    await play(runtime, chat.said(BOB, LONG), chat.said(CAROL, "see you at the meetup tonight"))
    table = ScheduledJob.__table__
    async with runtime.store.engine.connect() as connection:
        jobs = (
            await connection.execute(select(table).where(table.c.kind == "rewards.weekly"))
        ).all()
    (job,) = jobs
    assert job.due_at.isoformat() == "2026-12-07T10:00:00+00:00"
    take(adapter)
    chat.clock.advance(6 * 86400)  # Monday 12:00
    await settle(runtime)
    (post,) = texts(take(adapter))
    lines = post.splitlines()
    assert lines[0] == "🏆 Top contributors this week" and len(lines) == 4
    assert {lines[1].split(" — ")[0], lines[2].split(" — ")[0]} == {"1. Bob", "2. Carol"} or {
        lines[1].split(" — ")[0],
        lines[2].split(" — ")[0],
    } == {"1. Carol", "2. Bob"}
    await settle(runtime)
    assert take(adapter) == []
    chat.clock.advance(7 * 86400)  # nobody earned this week: no post
    await settle(runtime)
    assert take(adapter) == []
    await play(runtime, chat.command(ALICE, "/levels set weekly off"))
    async with runtime.store.engine.connect() as connection:
        pending = (
            await connection.execute(
                select(table).where(table.c.kind == "rewards.weekly", table.c.status == "pending")
            )
        ).all()
    assert pending == []
