"""Warnings, mutes and who may act on whom, through the real runtime."""

from __future__ import annotations

from datetime import timedelta

from tests.escalation.support import (
    START,
    Clock,
    Place,
    adapter,
    person,
    running,
    take,
    texts,
)
from tests.harness import play
from townsquare.core.actions import (
    EditMessage,
    RemoveMember,
    RestrictMember,
    SendMessage,
    UnrestrictMember,
)
from townsquare.core.escalation.policy import EscalationPolicy, Threshold
from townsquare.core.refs import PlatformRole

MALLORY = person("Mallory")
BOB = person("Bob")
ALICE = person("Alice", PlatformRole.ADMIN)
MIKE = person("Mike", PlatformRole.ADMIN)
OWEN = person("Owen", PlatformRole.OWNER)
CONFIG_MANAGER = person("Cora")  # a manager only through [defaults] managers


async def test_three_active_warnings_mute_for_an_hour_and_the_member_is_told_why(
    database_url: str,
) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    async with running(database_url, {"tg": tg}, clock=clock, detectors=[]) as rt:
        for n in range(1, 4):
            said = group.say(MALLORY, f"spam {n}")
            await play(rt, said, group.command("warn", f"spam #{n}", who=ALICE, reply_to=said))
            clock.advance(timedelta(minutes=5))
        done = take(tg)
        notices = texts(done, SendMessage)
        assert notices[:3] == [
            "@Mallory has been warned (1/3). Reason: spam #1",
            "@Mallory has been warned (2/3). Reason: spam #2",
            "@Mallory has been warned (3). Reason: spam #3",
        ]
        assert notices[3] == "@Mallory is muted for 1h: 3 active warnings."
        (mute,) = [a for a in done if isinstance(a, RestrictMember)]
        assert mute.user_id == "mallory" and mute.bot == "tg"
        assert mute.until == START + timedelta(minutes=10) + timedelta(hours=1)
        # the notices mention the member, so the platform tells them
        notice = next(a for a in done if isinstance(a, SendMessage))
        assert any(span.user_id == "mallory" for span in notice.text.spans)


async def test_warnings_expire(database_url: str) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    policy = EscalationPolicy(warning_ttl=timedelta(days=7))
    async with running(database_url, {"tg": tg}, clock=clock, policy=policy, detectors=[]) as rt:
        said = group.say(MALLORY, "spam")
        await play(rt, said, group.command("warn", "first", who=ALICE, reply_to=said))
        clock.advance(timedelta(days=5))
        await play(rt, group.command("warn", "second", who=ALICE, reply_to=said))
        clock.advance(timedelta(days=3))  # the first warning is 8 days old now
        await play(rt, group.command("warn", "third", who=ALICE, reply_to=said))
        done = take(tg)
        assert not [a for a in done if isinstance(a, RestrictMember)]
        assert texts(done, SendMessage)[-1] == "@Mallory has been warned (2/3). Reason: third"
        await play(rt, group.command("warnings", who=ALICE, reply_to=said))
        listing = texts(take(tg), SendMessage)[0]
        assert listing.startswith("Mallory has 2 active warnings")
        assert "second" in listing and "third" in listing and "first" not in listing


async def test_configured_thresholds_escalate_to_removal(sqlite_url: str) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    policy = EscalationPolicy(
        thresholds=(Threshold(2, "mute", timedelta(minutes=30)), Threshold(3, "remove", None))
    )
    async with running(sqlite_url, {"tg": tg}, clock=clock, policy=policy, detectors=[]) as rt:
        said = group.say(MALLORY, "spam")
        await play(rt, said)
        for _n in range(3):
            await play(rt, group.command("warn", who=ALICE, reply_to=said))
        done = take(tg)
        kinds = [type(a).__name__ for a in done if not isinstance(a, SendMessage)]
        assert kinds == ["RestrictMember", "RemoveMember"]
        assert "@Mallory is removed from the community: 3 active warnings." in texts(done)


async def test_mute_and_unmute_by_reply(sqlite_url: str) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    async with running(sqlite_url, {"tg": tg}, clock=clock, detectors=[]) as rt:
        said = group.say(MALLORY, "spam")
        await play(
            rt,
            said,
            group.command("mute", "2h flooding the chat", who=ALICE, reply_to=said),
            group.command("mute", "soon", who=ALICE, reply_to=said),
            group.command("unmute", who=ALICE, reply_to=said),
        )
        done = take(tg)
        (restrict,) = [a for a in done if isinstance(a, RestrictMember)]
        assert restrict.until == START + timedelta(hours=2)
        assert [a for a in done if isinstance(a, UnrestrictMember)]
        assert texts(done, SendMessage) == [
            "@Mallory is muted for 2h. Reason: flooding the chat",
            "soon is not a duration; try 30m, 2h or 1d.\nUsage: /mute <duration> [reason]",
            "@Mallory can write again.",
        ]


async def test_slack_has_no_mute_so_the_core_says_so_visibly(sqlite_url: str) -> None:
    clock = Clock()
    sl = adapter("sl", "slack")
    channel = Place("sl", "slack", "T1", "C1", clock=clock)
    async with running(sqlite_url, {"sl": sl}, clock=clock, detectors=[]) as rt:
        said = channel.say(MALLORY, "spam")
        await play(rt, said, channel.command("mute", "1h spam", who=ALICE, reply_to=said))
        done = take(sl)
        assert not [a for a in done if isinstance(a, RestrictMember)]
        assert texts(done, SendMessage) == [
            "Mute requested for @Mallory (1h). Reason: spam",
            "This platform does not let me mute members, so managers need to do it by hand.",
        ]


async def test_managers_cannot_act_on_managers_or_the_owner_but_the_owner_can(
    sqlite_url: str,
) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    async with running(
        sqlite_url, {"tg": tg}, clock=clock, managers=["telegram:cora"], detectors=[]
    ) as rt:
        by_mike = group.say(MIKE, "hello")
        by_owen = group.say(OWEN, "hello")
        by_cora = group.say(CONFIG_MANAGER, "hello")
        await play(
            rt,
            by_mike,
            by_owen,
            by_cora,
            group.command("warn", who=ALICE, reply_to=by_mike),
            group.command("mute", "1h", who=ALICE, reply_to=by_owen),
            group.command("warn", who=ALICE, reply_to=by_cora),
            group.command("warn", who=BOB_MEMBER, reply_to=by_cora),
            group.command("warn", "be nice", who=OWEN, reply_to=by_mike),
        )
        done = take(tg)
        assert texts(done, SendMessage) == [
            "Only the owner can warn or mute another manager.",
            "Nobody can warn or mute the community owner.",
            "Only the owner can warn or mute another manager.",
            "Sorry, only managers can use /warn.",
            "@Mike has been warned (1/3). Reason: be nice",
        ]
        assert not [a for a in done if isinstance(a, RestrictMember | RemoveMember)]


BOB_MEMBER = person("Bob")


async def test_case_buttons_warn_and_mute_on_the_origin_platform(database_url: str) -> None:
    """Warn/Mute pressed in a Slack inbox act on Telegram, where the message was."""
    clock = Clock()
    tg, sl = adapter("tg", "telegram"), adapter("sl", "slack")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    inbox = Place("sl", "slack", "T1", "CMGR", clock=clock)
    sam = person("Sam", PlatformRole.ADMIN)
    async with running(
        database_url, {"tg": tg, "sl": sl}, clock=clock, escalate_to="sl:CMGR", detectors=[]
    ) as rt:
        rude = group.say(MALLORY, "rude")
        await play(rt, rude, group.command("report", "rude", who=BOB, reply_to=rude))
        take(tg), take(sl)
        await play(rt, inbox.press("case:1:warn", who=sam), inbox.press("case:1:mute", who=sam))
        on_telegram = take(tg)
        assert texts(on_telegram, SendMessage) == [
            "@Mallory has been warned (1/3). Reason: rude",
            "@Mallory is muted for 1h. Reason: rude",
        ]
        (mute,) = [a for a in on_telegram if isinstance(a, RestrictMember)]
        assert mute.bot == "tg" and mute.community.id == "-1001"
        on_slack = take(sl)
        edits = [a for a in on_slack if isinstance(a, EditMessage)]
        assert edits and "Claimed by Sam" in edits[-1].text.plain()
        # a case about a manager cannot be acted on by another manager from the inbox
        by_mike = group.say(MIKE, "hmm")
        await play(rt, by_mike, group.command("report", who=BOB, reply_to=by_mike))
        take(tg), take(sl)
        await play(rt, inbox.press("case:2:warn", who=sam))
        (refused,) = take(sl)
        assert refused.toast == "Only the owner can warn or mute another manager."  # type: ignore[union-attr]
        assert take(tg) == []
        # owning the Slack workspace is not owning the Telegram group: no owner rights there
        slack_owner = person("Olga", PlatformRole.OWNER)
        await play(rt, inbox.press("case:2:warn", who=slack_owner))
        (refused,) = take(sl)
        assert refused.toast == "Only the owner can warn or mute another manager."  # type: ignore[union-attr]
        assert take(tg) == []
        await play(rt, inbox.command("case", "2 mute 2h", who=slack_owner))
        assert texts(take(sl)) == ["Only the owner can warn or mute another manager."]
        assert take(tg) == []
        # the group's own owner can, from the group
        await play(rt, group.command("case", "2 warn calm down", who=OWEN))
        assert texts(take(tg), SendMessage)[0] == "@Mike has been warned (1/3). Reason: calm down"
