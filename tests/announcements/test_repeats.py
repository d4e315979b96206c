"""Repeating announcements: one pin at a time (each occurrence unpins the one before it in
its channel), and a space read when each occurrence is posted, so a community the config
adds to the space later gets the later occurrences (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from tests.announcements.support import Bot, Clock, Where, play, posts, tick, town
from townsquare.core.actions import PinMessage, UnpinMessage

TG = Where("tg", "telegram", "-100777", "-100777")
DC = Where("dc", "discord", "9001", "9002")
SL = Where("sl", "slack", "T01", "C01")


def _bots() -> dict[str, Bot]:
    return {"tg": Bot("tg", "telegram"), "dc": Bot("dc", "discord"), "sl": Bot("sl", "slack")}


async def test_each_pinned_occurrence_unpins_the_one_before_it(database_url: str) -> None:
    clock, bots = Clock(), _bots()
    for where in (TG, DC, SL):
        where.clock = clock
    space = {"name": "town", "communities": [TG.place, DC.place, SL.place]}
    async with town(database_url, bots, clock, spaces=[space]) as runtime:
        await play(runtime, TG.command("--every daily --pin --space Standup at ten"))
        first = {name: bot.take() for name, bot in bots.items()}
        for done in first.values():
            (post,) = posts(done)
            assert [a for a in done if isinstance(a, PinMessage)]
            assert not [a for a in done if isinstance(a, UnpinMessage)]
        for day in (1, 2):
            clock.advance(timedelta(days=1))
            await tick(runtime)
            await tick(runtime)
            for name, bot in bots.items():
                done = bot.take()
                (post,) = posts(done)
                (pin,) = [a for a in done if isinstance(a, PinMessage)]
                (unpin,) = [a for a in done if isinstance(a, UnpinMessage)]
                (before,) = posts(first[name])
                assert pin.message is not None and pin.message.message_id == f"msg-{post.key}"
                assert unpin.channel == post.channel, name
                assert unpin.message is not None
                assert unpin.message.message_id == f"msg-{before.key}", (name, day)
                assert done.index(unpin) > done.index(pin)
                first[name] = done


async def test_a_community_added_to_the_space_later_gets_the_later_occurrences(
    database_url: str,
) -> None:
    clock, bots = Clock(), _bots()
    for where in (TG, DC, SL):
        where.clock = clock
    before = {"name": "town", "communities": [TG.place, DC.place]}
    async with town(database_url, bots, clock, spaces=[before]) as runtime:
        await play(runtime, TG.command("--every daily --pin --space Standup at ten"))
        assert [len(posts(bot.take())) for bot in bots.values()] == [1, 1, 0]
    # The operator adds the Slack workspace to the space and restarts.
    after = {"name": "town", "communities": [TG.place, DC.place, SL.place]}
    async with town(database_url, bots, clock, spaces=[after]) as runtime:
        clock.advance(timedelta(days=1))
        await tick(runtime)
        await tick(runtime)
        done = {name: bot.take() for name, bot in bots.items()}
        assert [len(posts(actions)) for actions in done.values()] == [1, 1, 1]
        (post,) = posts(done["sl"])
        assert post.channel.id == "C01" and post.text.plain() == "Standup at ten"
        # Slack's first post has no earlier one to unpin: nothing was sent under that
        # key, so the unpin is settled without a call.
        assert not [a for a in done["sl"] if isinstance(a, UnpinMessage)]
        for name in ("tg", "dc"):
            (unpin,) = [a for a in done[name] if isinstance(a, UnpinMessage)]
            assert unpin.message is not None
