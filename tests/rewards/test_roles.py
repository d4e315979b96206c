"""Role rewards through the real runtime: given at the level, stacking or replacing,
taken away on demotion, as GiveRole / TakeRole actions; where the platform has no member
roles (Telegram) the level only shows."""

from __future__ import annotations

from tests.rewards.support import (
    TEXT_ONLY,
    WITH_ROLES,
    Chat,
    Clock,
    boss,
    person,
    play,
    running,
    take,
    texts,
)
from tests.support import MemoryAdapter
from townsquare.core.actions import GiveRole, TakeRole

BOB = person("Bob")
R1, R2 = "111111111111111111", "222222222222222222"
ALICE = boss()


def roles(actions: list[object]) -> list[tuple[str, str]]:
    return [
        ("give" if isinstance(a, GiveRole) else "take", a.role_id)
        for a in actions
        if isinstance(a, GiveRole | TakeRole)
    ]


async def test_roles_stack_and_go_on_demotion(database_url: str) -> None:
    clock = Clock()
    adapter = MemoryAdapter("mem", capabilities=WITH_ROLES)
    chat = Chat("mem", platform="discord", clock=clock)
    async with running(database_url, {"mem": adapter}, clock) as runtime:
        await play(runtime, chat.command(ALICE, f"/levels role 1 <@&{R1}>"))
        await play(runtime, chat.command(ALICE, f"/levels role 2 {R2}"))
        await play(runtime, chat.command(ALICE, "/levels role 3 @Regulars"))
        assert texts(take(adapter)) == [
            f"Level 1 now gives the role {R1}.",
            f"Level 2 now gives the role {R2}.",
            "Name the role with a mention or its id, or say off.",
        ]
        await play(runtime, chat.command(ALICE, "/xp give 120", reply_to=BOB))  # level 1
        done = take(adapter)
        assert roles(done) == [("give", R1)]
        (given,) = [a for a in done if isinstance(a, GiveRole)]
        assert given.user_id == "bob" and given.reason == "Level 1 reward"
        await play(runtime, chat.command(ALICE, "/xp give 200", reply_to=BOB))  # level 2
        assert roles(take(adapter)) == [("give", R2)]
        await play(runtime, chat.command(ALICE, "/xp take 100", reply_to=BOB))  # level 1
        assert roles(take(adapter)) == [("take", R2)]
        await play(runtime, chat.command(ALICE, "/levels set role_mode replace"))
        await play(runtime, chat.command(ALICE, "/xp give 100", reply_to=BOB))  # level 2
        assert roles(take(adapter)) == [("take", R1), ("give", R2)]
        await play(runtime, chat.command(ALICE, "/xp reset", reply_to=BOB))
        assert roles(take(adapter)) == [("take", R2)]
        await play(runtime, chat.command(ALICE, "/levels role 2 off"))
        assert texts(take(adapter)) == ["Level 2 no longer gives a role."]


async def test_a_platform_without_member_roles_shows_levels_only(database_url: str) -> None:
    clock = Clock()
    adapter = MemoryAdapter("mem", capabilities=TEXT_ONLY)
    chat = Chat("mem", clock=clock)
    async with running(database_url, {"mem": adapter}, clock) as runtime:
        await play(runtime, chat.command(ALICE, "/levels role 1 111"))
        assert texts(take(adapter)) == [
            "Members of this platform have no roles I can give: levels show in /rank and in "
            "the level-up announcements."
        ]
        await play(runtime, chat.command(ALICE, "/xp give 120", reply_to=BOB))
        done = take(adapter)
        assert roles(done) == [] and "🎉 @Bob reached level 1!" in texts(done)
