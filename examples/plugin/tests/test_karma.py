"""``/karma`` through townsquare's dispatcher on a migrated database."""

from __future__ import annotations

from conftest import ALICE, BOB, CAROL, MANAGER, ROBOT, Town


async def test_a_reply_thanks_its_author_once_per_message(town: Town) -> None:
    assert await town.say(BOB, "/karma", reply_to=ALICE, message=7) == [
        "Bob thanked @Alice: karma 1."
    ]
    assert await town.say(BOB, "/karma", reply_to=ALICE, message=7) == [
        "You already thanked them for that message."
    ]
    assert await town.say(CAROL, "/karma", reply_to=ALICE, message=7) == [
        "Carol thanked @Alice: karma 2."
    ]
    assert await town.say(BOB, "/karma", reply_to=ALICE, message=8) == [
        "Bob thanked @Alice: karma 3."
    ]
    assert await town.say(ALICE, "/karma") == [
        "You have 3 karma. Reply to a helpful message with /karma."
    ]


async def test_nobody_thanks_themself_or_a_bot(town: Town) -> None:
    assert await town.say(ALICE, "/karma", reply_to=ALICE) == [
        "Karma comes from others: you cannot thank yourself."
    ]
    assert await town.say(ALICE, "/karma", reply_to=ROBOT) == ["Bots do not collect karma."]
    assert await town.say(ALICE, "/karma") == [
        "You have 0 karma. Reply to a helpful message with /karma."
    ]


async def test_top_lists_the_most_thanked_first(town: Town) -> None:
    assert await town.say(ALICE, "/karma top") == [
        "Nobody has karma yet: reply to a helpful message with /karma."
    ]
    await town.say(ALICE, "/karma", reply_to=BOB, message=1)
    await town.say(CAROL, "/karma", reply_to=BOB, message=1)
    await town.say(BOB, "/karma", reply_to=CAROL, message=2)
    assert await town.say(ALICE, "/karma top") == ["Most thanked:\n1. Bob — 2\n2. Carol — 1"]


async def test_a_milestone_is_announced_after_the_thanks(town: Town) -> None:
    """The fact each thanks publishes reaches ``@on(KarmaGiven)`` after commit."""
    for message in range(1, 5):
        assert len(await town.say(BOB, "/karma", reply_to=ALICE, message=message)) == 1
    assert await town.say(BOB, "/karma", reply_to=ALICE, message=5) == [
        "Bob thanked @Alice: karma 5.",
        "🎉 @Alice reached 5 karma!",
    ]


async def test_managers_turn_milestones_off(town: Town) -> None:
    assert await town.say(ALICE, "/karma milestones off") == [
        "Sorry, only managers can use /karma milestones."
    ]
    assert await town.say(MANAGER, "/karma milestones off") == ["Karma milestones are off."]
    for message in range(1, 6):
        assert len(await town.say(BOB, "/karma", reply_to=ALICE, message=message)) == 1


async def test_karma_is_for_communities(town: Town) -> None:
    assert await town.say(ALICE, "/karma", private=True) == [
        "Karma belongs to a community; use /karma in one of its channels."
    ]
