"""One wallet per person per scope: a space has one leaderboard across its platforms, and
a person whose accounts are linked (``/link``) has one wallet, earns once per cooldown
whichever platform they write on, and is counted once; outside a space each community
keeps its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from tests.people.support import code_in, private
from tests.rewards.support import (
    TEXT_ONLY,
    Chat,
    Clock,
    play,
    running,
    take,
    texts,
    wallets,
)
from tests.support import MemoryAdapter
from townsquare.bots.runtime import Runtime
from townsquare.core.refs import Actor, ChannelRef

BOB_TG = Actor("101", "Bob", username="bob")
BOB_DC = Actor("9001", "bob.dc")
CAROL_DC = Actor("9002", "Carol")
SPACE = [{"name": "town", "communities": ["tg:-100", "dc:g1"]}]
LONG = "good morning everyone, how is the week going"


@dataclass
class World:
    runtime: Runtime
    clock: Clock
    tg: MemoryAdapter
    dc: MemoryAdapter
    group: Chat
    guild: Chat


@asynccontextmanager
async def world(url: str, spaces: list[dict[str, Any]] | None) -> AsyncIterator[World]:
    clock = Clock()
    tg = MemoryAdapter("tg", capabilities=TEXT_ONLY)
    dc = MemoryAdapter("dc", capabilities=TEXT_ONLY)
    async with running(url, {"tg": tg, "dc": dc}, clock, spaces=spaces) as runtime:
        group = Chat("tg", platform="telegram", community_id="-100", channel_id="-100", clock=clock)
        guild = Chat("dc", platform="discord", community_id="g1", channel_id="c1", clock=clock)
        yield World(runtime, clock, tg, dc, group, guild)


async def link(w: World) -> None:
    """Bob links his Discord account to his Telegram one, as /link does."""
    direct = w.group.command(BOB_TG, "/link")
    direct = type(direct)(
        **{**_fields(direct), "community": None, "channel": ChannelRef("101", is_direct=True)}
    )
    await play(w.runtime, direct)
    code = code_in(private(take(w.tg), "101"))
    await play(w.runtime, w.guild.command(BOB_DC, f"/link {code}"))
    take(w.dc)
    take(w.tg)


def _fields(event: object) -> dict[str, object]:
    return {name: getattr(event, name) for name in event.__dataclass_fields__}  # type: ignore[attr-defined]


async def test_a_space_has_one_leaderboard_and_a_linked_person_one_wallet(
    database_url: str,
) -> None:
    async with world(database_url, SPACE) as w:
        await play(w.runtime, w.group.said(BOB_TG, LONG), w.guild.said(BOB_DC, LONG + " too"))
        await play(w.runtime, w.guild.said(CAROL_DC, "see you at the meetup tonight"))
        before = await wallets(w.runtime)
        assert {scope for scope, _name in before} == {"space:town"}
        assert len(before) == 3  # two accounts of Bob's, not linked yet, and Carol
        bob = before[("space:town", "Bob")][0] + before[("space:town", "bob.dc")][0]

        await link(w)
        after = await wallets(w.runtime)
        assert len(after) == 2
        (joined,) = [xp for (_scope, name), (xp, _lv, _rep) in after.items() if name != "Carol"]
        assert joined == bob

        w.clock.advance(61)
        await play(w.runtime, w.group.said(BOB_TG, "the venue changed: the library at seven"))
        await play(w.runtime, w.guild.said(BOB_DC, "I pushed the fix, can someone review it"))
        once = [
            xp for (_s, name), (xp, _l, _r) in (await wallets(w.runtime)).items() if name != "Carol"
        ]
        assert bob + 15 <= once[0] <= bob + 25  # one grant per cooldown for the person

        take(w.tg)
        await play(w.runtime, w.group.command(BOB_TG, "/top"))
        (board,) = texts(take(w.tg))
        assert len(board.splitlines()) == 4  # title, Bob once, Carol, the page
        await play(w.runtime, w.guild.command(BOB_DC, "/rank"))
        (rank,) = texts(take(w.dc))
        assert "Rank #1 of 2" in rank
        assert "Cooldown" in rank  # his Telegram message started it


async def test_outside_a_space_each_community_keeps_its_own(database_url: str) -> None:
    async with world(database_url, None) as w:
        await link(w)
        await play(w.runtime, w.group.said(BOB_TG, LONG), w.guild.said(BOB_DC, LONG))
        found = await wallets(w.runtime)
        assert {scope for scope, _name in found} == {"telegram:-100", "discord:g1"}
        assert all(15 <= xp <= 25 for xp, _lv, _rep in found.values())
