"""Moderation the platform refuses (the bot lacks the right, the member outranks it) is
never silent: the managers' inbox, on whatever platform it is, is told in the community's
language what could not be done to whom and what to fix."""

from __future__ import annotations

from datetime import timedelta

from tests.escalation.support import Clock, Place, adapter, person, running, take, texts
from tests.harness import play
from tests.support import MemoryAdapter
from townsquare.core.actions import (
    Action,
    RemoveMember,
    RestrictMember,
    SendMessage,
    UnrestrictMember,
)
from townsquare.core.errors import PermanentDeliveryError
from townsquare.core.escalation.policy import EscalationPolicy, Threshold
from townsquare.core.ports import Delivered
from townsquare.core.refs import ChannelRef, PlatformRole

MALLORY = person("Mallory")
ALICE = person("Alice", PlatformRole.ADMIN)


def refusing(made: MemoryAdapter, *kinds: type[Action]) -> MemoryAdapter:
    """``made`` answering every action of ``kinds`` as a platform refusing it does."""
    perform = made.perform

    async def refuse(action: Action) -> Delivered:
        if isinstance(action, kinds):
            raise PermanentDeliveryError("Bad Request: not enough rights to restrict chat member")
        return await perform(action)

    made.perform = refuse  # type: ignore[method-assign]
    return made


async def test_a_refused_threshold_mute_is_reported_in_the_inbox_on_another_platform(
    database_url: str,
) -> None:
    clock = Clock()
    tg = refusing(adapter("tg", "telegram"), RestrictMember)
    slack = adapter("slack", "slack")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    async with running(
        database_url, {"tg": tg, "slack": slack}, clock=clock, detectors=[], escalate_to="slack:C1"
    ) as rt:
        for n in range(1, 4):
            said = group.say(MALLORY, f"spam {n}")
            await play(rt, said, group.command("warn", f"spam #{n}", who=ALICE, reply_to=said))
            clock.advance(timedelta(minutes=5))
        assert "@Mallory is muted for 1h: 3 active warnings." in texts(take(tg), SendMessage)
        (notice,) = [a for a in take(slack) if isinstance(a, SendMessage)]
        assert (notice.bot, notice.channel) == ("slack", ChannelRef("C1"))
        assert notice.text.plain() == (
            "I could not mute Mallory: the platform refused. Give me the permission to "
            "restrict members, with a role above theirs (owners and administrators cannot be "
            "muted), or mute them by hand."
        )
        assert all(span.user_id is None for span in notice.text.spans), "named, not pinged"


async def test_refused_unmute_and_removal_are_reported_in_the_community_language(
    database_url: str,
) -> None:
    """Without an inbox the notice goes where the moderation happened."""
    clock = Clock()
    tg = refusing(adapter("tg", "telegram"), UnrestrictMember, RemoveMember)
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    policy = EscalationPolicy(thresholds=(Threshold(2, "remove", None),))
    async with running(database_url, {"tg": tg}, clock=clock, policy=policy, detectors=[]) as rt:
        async with rt.store.transaction() as tx:
            await tx.set_setting(group.community, "locale", "ru", clock.now)
        said = group.say(MALLORY, "spam")
        await play(rt, said, group.command("unmute", who=ALICE, reply_to=said))
        done = take(tg)
        assert not any(isinstance(a, UnrestrictMember) for a in done)
        assert texts(done, SendMessage)[-1] == (
            "Не удалось снять ограничения с участника Mallory: платформа отказала. Дайте мне "
            "право ограничивать участников и роль выше, чем у него, или снимите ограничения "
            "вручную."
        )
        for n in range(1, 3):  # the second warning removes
            said = group.say(MALLORY, f"spam {n}")
            await play(rt, said, group.command("warn", who=ALICE, reply_to=said))
            clock.advance(timedelta(minutes=5))
        refused = [
            text for text in texts(take(tg), SendMessage) if text.startswith("Не удалось удалить")
        ]
        assert refused == [
            "Не удалось удалить участника Mallory: платформа отказала. Дайте мне право "
            "блокировать участников и роль выше, чем у него (владельца и администраторов "
            "удалить нельзя), или удалите его вручную."
        ]
