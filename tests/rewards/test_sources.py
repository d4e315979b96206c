"""XP from other features' facts, each thing rewarded once: an FAQ entry rated helpful
(its author), a resolved case (its reporters, not when dismissed), an attended event; and
the facts rewards publish (levels, reputation), as a subscriber hears them."""

from __future__ import annotations

from typing import Any

from tests.rewards.support import (
    TEXT_ONLY,
    Chat,
    Clock,
    boss,
    person,
    play,
    running,
    take,
    wallets,
    xp_of,
)
from tests.support import MemoryAdapter
from townsquare.core.commands import CommandSpec, Invocation, Param
from townsquare.core.facts import (
    CaseResolved,
    EventAttended,
    Fact,
    FaqRated,
    MemberLevelledDown,
    MemberLevelledUp,
    ReputationGiven,
)
from townsquare.core.features import Context, Feature, command, on

ALICE, BOB, CAROL, DAN = boss(), person("Bob"), person("Carol"), person("Dan")


class Teller(Feature):
    """``/fact faq|case|dismissed|event``: publishes what another feature would."""

    name = "teller"

    def __init__(self) -> None:
        self.heard: list[Fact] = []

    @command(CommandSpec("fact", "Publish a fact", params=(Param("what"),)))
    async def fact(self, invocation: Invocation, ctx: Context) -> None:
        what = str(invocation.args["what"])
        where: dict[str, Any] = {"platform": "memory", "community_id": "c1", "at": ctx.now}
        match what:
            case "faq" | "unhelpful" | "own":
                rater = "bob" if what == "own" else "carol"
                ctx.publish(
                    FaqRated(
                        **where,
                        entry_id=7,
                        user_id=rater,
                        helpful=what != "unhelpful",
                        author_id="bob",
                        author_platform="memory",
                    )
                )
            case "case" | "dismissed":
                ctx.publish(
                    CaseResolved(
                        **where,
                        case_id=3,
                        manager_id="alice",
                        manager_platform="memory",
                        dismissed=what == "dismissed",
                        reporter_ids=("carol", "dan", "carol"),
                    )
                )
            case "event":
                ctx.publish(EventAttended(**where, event_id=5, user_id="dan"))

    @on(MemberLevelledUp, MemberLevelledDown, ReputationGiven)
    async def record(self, fact: Fact, ctx: Context) -> None:
        ctx.after_commit(lambda: self.heard.append(fact))


async def test_facts_earn_xp_once_each(database_url: str) -> None:
    clock = Clock()
    adapter = MemoryAdapter("mem", capabilities=TEXT_ONLY)
    chat = Chat("mem", clock=clock)
    teller = Teller()
    async with running(database_url, {"mem": adapter}, clock, extra_features=(teller,)) as runtime:
        for what in ("faq", "faq", "unhelpful", "own"):
            await play(runtime, chat.command(ALICE, f"/fact {what}"))
        found = await wallets(runtime)
        assert xp_of(found, "bob") == 20  # once per rater, never for one's own entry
        await play(runtime, chat.command(ALICE, "/fact dismissed"))
        assert xp_of(await wallets(runtime), "carol") == 0
        await play(runtime, chat.command(ALICE, "/fact case"), chat.command(ALICE, "/fact case"))
        found = await wallets(runtime)
        assert xp_of(found, "carol") == 30 and xp_of(found, "dan") == 30
        await play(runtime, chat.command(ALICE, "/fact event"), chat.command(ALICE, "/fact event"))
        assert xp_of(await wallets(runtime), "dan") == 80
        take(adapter)


async def test_rewards_publish_levels_and_reputation(database_url: str) -> None:
    clock = Clock()
    adapter = MemoryAdapter("mem", capabilities=TEXT_ONLY)
    chat = Chat("mem", clock=clock)
    teller = Teller()
    async with running(database_url, {"mem": adapter}, clock, extra_features=(teller,)) as runtime:
        await play(runtime, chat.command(ALICE, "/xp give 300", reply_to=BOB))
        await play(runtime, chat.command(ALICE, "/xp take 250", reply_to=BOB))
        await play(runtime, chat.said(CAROL, "thank you!", reply_to=BOB))
        up, down, thanked = teller.heard
        assert isinstance(up, MemberLevelledUp) and (up.previous, up.level) == (0, 2)
        assert up.user_id == "bob" and up.scope is None and up.community_id == "c1"
        assert isinstance(down, MemberLevelledDown) and (down.previous, down.level) == (2, 0)
        assert down.person_id == up.person_id
        assert isinstance(thanked, ReputationGiven)
        assert (thanked.user_id, thanked.from_user_id, thanked.reputation) == ("bob", "carol", 1)


async def test_a_helpful_faq_entry_earns_its_author_xp(database_url: str) -> None:
    from townsquare.core.faq.feature import Faq
    from townsquare.storage.faq import SqlFaqStore

    clock = Clock()
    adapter = MemoryAdapter("mem", capabilities=TEXT_ONLY)
    chat = Chat("mem", clock=clock)
    faq = Faq(store=SqlFaqStore)
    async with running(database_url, {"mem": adapter}, clock, extra_features=(faq,)) as runtime:
        await play(
            runtime, chat.command(ALICE, '/faq add "How do I reset my password?" "Settings."')
        )
        await play(
            runtime, chat.command(BOB, "/faq helpful 1"), chat.command(CAROL, "/faq helpful 1")
        )
        await play(runtime, chat.command(ALICE, "/faq helpful 1"))  # her own: nothing
        await play(
            runtime, chat.command(BOB, "/faq nothelpful 1"), chat.command(BOB, "/faq helpful 1")
        )
        assert xp_of(await wallets(runtime), "alice") == 40
