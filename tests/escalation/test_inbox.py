"""The managers' inbox: ``/managers here``, one-time link codes across platforms, the
re-announcement of unclaimed cases, listing cases and community rules."""

from __future__ import annotations

from datetime import timedelta

from tests.escalation.support import Clock, Place, adapter, person, running, take, texts
from tests.harness import play
from townsquare.core.actions import EditMessage, SendDirect, SendEphemeral, SendMessage
from townsquare.core.inbox import INBOX_SETTING
from townsquare.core.refs import PlatformRole

MALLORY, BOB = person("Mallory"), person("Bob")
ALICE = person("Alice", PlatformRole.ADMIN)
SAM = person("Sam", PlatformRole.ADMIN, user_id="U0SAM")


async def test_managers_here_makes_this_chat_the_inbox(sqlite_url: str) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    async with running(sqlite_url, {"tg": tg}, clock=clock, detectors=[]) as rt:
        await play(rt, group.command("managers", who=ALICE), group.command("managers", who=BOB))
        first, refused = texts(take(tg), SendMessage)
        assert first.startswith("No managers' inbox yet")
        assert refused == "Sorry, only managers can use /managers."
        await play(rt, group.command("managers", "here", who=ALICE))
        assert texts(take(tg)) == ["This chat is now the managers' inbox of Test Square."]
        await play(rt, group.command("managers", who=ALICE))
        assert texts(take(tg)) == ["The managers' inbox is chat -1001 of bot tg (telegram)."]
        # the inbox is the group itself: the offender reads the case, reporters stay anonymous
        rude = group.say(MALLORY, "rude")
        await play(rt, rude, group.command("report", "he means me", who=BOB, reply_to=rude))
        (card,) = [a for a in take(tg) if isinstance(a, SendMessage)]
        assert card.channel.id == "-1001" and "Reported by 1 member" in card.text.plain()
        assert "Bob" not in card.text.plain() and "he means me" not in card.text.plain()


async def test_link_code_moves_a_telegram_groups_inbox_to_slack(database_url: str) -> None:
    clock = Clock()
    tg, sl = adapter("tg", "telegram"), adapter("sl", "slack")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    team = Place("sl", "slack", "T1", "CMGR", title="Team", clock=clock)
    async with running(
        database_url, {"tg": tg, "sl": sl}, clock=clock, managers=["slack:U0SAM"], detectors=[]
    ) as rt:
        await play(rt, group.command("managers", "link", who=ALICE))
        done = take(tg)
        (private,) = [a for a in done if isinstance(a, SendDirect)]
        assert private.user_id == "alice" and private.fallback_channel is None
        code = next(s.text for s in private.text.spans if s.text.startswith("/managers here "))
        value = code.split()[-1]
        assert len(value) == 8
        # the group is told a code went out privately, never the code itself
        (public,) = [a for a in done if isinstance(a, SendMessage)]
        assert value not in public.text.plain()

        # a member of the Slack channel cannot use it; a manager there can, once
        await play(
            rt, team.command("managers", f"here {value}", who=person("Uma"), interaction=True)
        )
        assert texts(take(sl)) == ["Sorry, only managers can use /managers here."]
        await play(rt, team.command("managers", f"here {value.lower()}", who=SAM, interaction=True))
        (answer,) = take(sl)
        assert isinstance(answer, SendEphemeral)
        assert answer.text.plain() == "This chat is now the managers' inbox of Test Square."
        (notice,) = take(tg)
        assert isinstance(notice, SendMessage) and notice.channel.id == "-1001"
        assert notice.text.plain() == (
            "Sam linked a managers' inbox for this community (slack); reports now go there."
        )
        async with rt.store.transaction() as tx:
            assert (await tx.settings(group.community))[INBOX_SETTING] == {
                "bot": "sl",
                "channel": "CMGR",
                "thread": None,
            }
        await play(rt, team.command("managers", f"here {value}", who=SAM, interaction=True))
        assert texts(take(sl)) == [
            "This code is unknown, used or expired. Send /managers link in the community again."
        ]

        # reports from the Telegram group now land in Slack
        rude = group.say(MALLORY, "rude")
        await play(rt, rude, group.command("report", who=BOB, reply_to=rude))
        take(tg)
        (card,) = take(sl)
        assert isinstance(card, SendMessage) and card.channel.id == "CMGR"

        # codes expire
        await play(rt, group.command("managers", "link", who=ALICE))
        private = next(a for a in take(tg) if isinstance(a, SendDirect))
        late = next(s.text for s in private.text.spans if s.text.startswith("/managers here "))
        clock.advance(timedelta(minutes=11))
        await play(
            rt, team.command("managers", late.removeprefix("/managers "), who=SAM, interaction=True)
        )
        assert texts(take(sl))[0].startswith("This code is unknown, used or expired.")


async def test_an_unclaimed_case_is_announced_once_more(database_url: str) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    async with running(
        database_url, {"tg": tg}, clock=clock, escalate_to="tg:-100999", detectors=[]
    ) as rt:
        first, second = group.say(MALLORY, "one"), group.say(MALLORY, "two")
        await play(
            rt,
            first,
            second,
            group.command("report", who=BOB, reply_to=first),
            group.command("report", who=BOB, reply_to=second),
        )
        take(tg)
        await play(rt, group.command("case", "2 claim", who=ALICE))
        take(tg)
        clock.advance(timedelta(minutes=29))
        assert await rt.scheduler.run_once() == 0
        clock.advance(timedelta(minutes=2))
        assert await rt.scheduler.run_once() == 2, "case 2's job fires too, and finds it claimed"
        assert await rt.worker.drain(timeout=10)
        (again,) = take(tg)
        assert isinstance(again, SendMessage) and again.channel.id == "-100999"
        assert again.key is None, "a reminder, the case message itself stays where it is"
        assert again.text.plain().startswith("Still unclaimed after 30m:\n")
        assert "Case #1" in again.text.plain() and again.buttons
        clock.advance(timedelta(hours=2))
        assert await rt.scheduler.run_once() == 0, "announced once, not again"
        await play(rt, group.command("case", "1", who=ALICE))
        history = texts(take(tg))[0].split("History:")[1]
        assert "Bob reported" in history and "tg announced again" in history


async def test_cases_lists_what_is_open_here(sqlite_url: str) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    async with running(
        sqlite_url, {"tg": tg}, clock=clock, escalate_to="tg:-100999", detectors=[]
    ) as rt:
        one, two = group.say(MALLORY, "one"), group.say(person("Zed"), "two")
        await play(
            rt,
            one,
            two,
            group.command("report", who=BOB, reply_to=one),
            group.command("report", who=person("Carol"), reply_to=one),
            group.command("report", who=BOB, reply_to=two),
            group.command("case", "2 resolve handled", who=ALICE),
        )
        take(tg)
        await play(rt, group.command("cases", who=ALICE), group.command("cases", "all", who=ALICE))
        open_only, everything = texts(take(tg), SendMessage)
        assert "#1" in open_only and "Mallory" in open_only and "2 reports" in open_only
        assert "#2" not in open_only
        assert "#2" in everything and "resolved" in everything


async def test_escalation_rules_are_per_community(sqlite_url: str) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    async with running(sqlite_url, {"tg": tg}, clock=clock, detectors=[]) as rt:
        await play(
            rt,
            group.command("escalation", "set thresholds 2 mute 10m", who=ALICE),
            group.command("escalation", "set warning_expiry soon", who=ALICE),
            group.command("escalation", "set colour blue", who=ALICE),
        )
        shown, bad_value, bad_key = texts(take(tg))
        assert "thresholds: 2 mute 10m" in shown and "warning_expiry: 30d" in shown
        assert bad_value.startswith("Not changed: 'soon' is not a duration")
        assert bad_key.startswith("Not changed: unknown key 'colour'")
        said = group.say(MALLORY, "spam")
        await play(
            rt,
            said,
            group.command("warn", who=ALICE, reply_to=said),
            group.command("warn", who=ALICE, reply_to=said),
        )
        assert texts(take(tg))[-1] == "@Mallory is muted for 10m: 2 active warnings."


async def test_discord_context_menu_report_is_answered_ephemerally(sqlite_url: str) -> None:
    """Discord's "Report to managers" arrives as /report with reply_to and an interaction."""
    clock = Clock()
    dc = adapter("dc", "discord")
    guild = Place("dc", "discord", "111", "222", clock=clock)
    async with running(
        sqlite_url, {"dc": dc}, clock=clock, escalate_to="dc:333", detectors=[]
    ) as rt:
        rude = guild.say(MALLORY, "rude")
        await play(rt, rude, guild.command("report", who=BOB, reply_to=rude, interaction=True))
        done = take(dc)
        (answer,) = [a for a in done if isinstance(a, SendEphemeral)]
        assert answer.user_id == "bob" and answer.interaction_id is not None
        assert not [a for a in done if type(a).__name__ == "DeleteMessage"]
        (card,) = [a for a in done if isinstance(a, SendMessage)]
        assert card.channel.id == "333"
        link = "".join(span.url or "" for span in card.text.spans)
        assert link == f"https://discord.com/channels/111/222/{rude.message.message_id}"
        assert not [a for a in done if isinstance(a, EditMessage)]


async def test_a_later_case_is_announced_again_after_an_earlier_one_was_handled(
    sqlite_url: str,
) -> None:
    """Handling a case never deletes its fired job, so SQLite cannot hand that job's id
    (and its de-duplication record) to the next case's job."""
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    async with running(
        sqlite_url, {"tg": tg}, clock=clock, escalate_to="tg:-100999", detectors=[]
    ) as rt:
        first = group.say(MALLORY, "one")
        await play(rt, first, group.command("report", who=BOB, reply_to=first))
        clock.advance(timedelta(minutes=31))
        assert await rt.scheduler.run_once() == 1
        await play(rt, group.command("case", "1 claim", who=ALICE))
        second = group.say(MALLORY, "two")
        await play(rt, second, group.command("report", who=BOB, reply_to=second))
        take(tg)
        clock.advance(timedelta(minutes=31))
        assert await rt.scheduler.run_once() == 1
        assert await rt.worker.drain(timeout=10)
        (again,) = take(tg)
        assert "Still unclaimed" in again.text.plain() and "Case #2" in again.text.plain()  # type: ignore[union-attr]
