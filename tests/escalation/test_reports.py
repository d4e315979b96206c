"""Reports become cases in the managers' inbox, through the real runtime.

The headline scenario: a report made on Telegram lands in the team's Slack channel, more
reports of the same message edit that one case message, and a Slack manager claims and
resolves it there while the reporters, back on Telegram, are told privately.
"""

from __future__ import annotations

from datetime import timedelta

from tests.escalation.support import Clock, Place, adapter, person, running, take, texts
from tests.harness import play
from townsquare.core.actions import (
    AnswerButton,
    DeleteMessage,
    EditMessage,
    SendDirect,
    SendEphemeral,
    SendMessage,
)
from townsquare.core.escalation.policy import EscalationPolicy
from townsquare.core.refs import PlatformRole

MALLORY = person("Mallory")
BOB = person("Bob")
CAROL = person("Carol")
DAVE = person("Dave")
SAM = person("Sam", user_id="U0SAM")  # a Slack manager, listed in [defaults] managers


async def test_telegram_report_lands_in_slack_inbox_and_is_handled_there(
    database_url: str,
) -> None:
    clock = Clock()
    tg, sl = adapter("tg", "telegram"), adapter("sl", "slack")
    group = Place("tg", "telegram", "-1001234", "-1001234", clock=clock)
    inbox = Place("sl", "slack", "T1", "CMGR", title="Team", clock=clock)
    async with running(
        database_url,
        {"tg": tg, "sl": sl},
        clock=clock,
        escalate_to="sl:CMGR",
        managers=["slack:U0SAM"],
        detectors=[],
    ) as rt:
        rude = group.say(MALLORY, "nobody asked you, <b>clown</b>")
        report = group.command("report", "spam and insults", who=BOB, reply_to=rude)
        await play(rt, rude, report)

        on_telegram = take(tg)
        # the /report message disappears and Bob alone hears back, privately
        assert any(
            isinstance(a, DeleteMessage) and a.message == report.message for a in on_telegram
        )
        assert not [a for a in on_telegram if isinstance(a, SendMessage)]
        (private,) = [a for a in on_telegram if isinstance(a, SendDirect)]
        assert private.user_id == "bob"
        # if Telegram refuses it, the group gets a note that names nobody and no report
        assert private.fallback_text is not None and private.fallback_channel is not None
        assert "Bob" not in private.fallback_text.plain()
        assert "report" not in private.fallback_text.plain().lower()
        assert all(span.user_id is None for span in private.fallback_text.spans)
        assert "case #1" in private.text.plain()

        (card,) = take(sl)
        assert isinstance(card, SendMessage)
        assert card.bot == "sl" and card.channel.id == "CMGR" and card.key == "case:1"
        body = card.text.plain()
        assert "Case #1" in body and "Mallory" in body and "<b>clown</b>" in body
        assert "Reported by 1 member: Bob" in body and "spam and insults" in body
        assert "https://t.me/c/1234/" in "".join(s.url or "" for s in card.text.spans)
        data = [button.data for row in card.buttons for button in row]
        assert data == ["case:1:claim", "case:1:resolve", "case:1:warn", "case:1:mute"]
        assert all(len(d.encode()) <= 64 for d in data)

        # a second reporter joins the case: the same message is edited, nothing new is sent
        await play(rt, group.command("report", who=CAROL, reply_to=rude))
        take(tg)
        (edit,) = take(sl)
        assert isinstance(edit, EditMessage) and edit.key == "case:1" and edit.bot == "sl"
        assert "Reported by 2 members: Bob, Carol" in edit.text.plain()

        # reporting twice does not count twice
        await play(rt, group.command("report", who=BOB, reply_to=rude))
        assert texts(take(tg), SendDirect) == [
            "You already reported this message (case #1). Thank you!"
        ]
        assert take(sl) == []

        # the Slack manager claims with the button, in the inbox
        await play(rt, inbox.press("case:1:claim", who=SAM))
        claimed = take(sl)
        toast = next(a for a in claimed if isinstance(a, AnswerButton))
        assert toast.toast == "You claimed case #1."
        edit = next(a for a in claimed if isinstance(a, EditMessage))
        assert "claimed" in edit.text.plain() and "Claimed by Sam" in edit.text.plain()
        assert [b.data for row in edit.buttons for b in row][:1] == ["case:1:resolve"]

        # Resolve needs a note: the button says how
        await play(rt, inbox.press("case:1:resolve", who=SAM))
        (hint,) = take(sl)
        assert isinstance(hint, AnswerButton) and hint.alert
        assert hint.toast == "Resolving needs a note: send /case 1 resolve <note>"
        await play(rt, inbox.command("case", "1 resolve", who=SAM, interaction=True))
        (answer,) = take(sl)
        assert isinstance(answer, SendEphemeral)
        assert answer.text.plain() == "Resolving needs a note: send /case 1 resolve <note>"

        await play(
            rt, inbox.command("case", "1 resolve talked to Mallory", who=SAM, interaction=True)
        )
        resolved = take(sl)
        assert any(
            isinstance(a, EditMessage) and "Resolved by Sam: talked to Mallory" in a.text.plain()
            for a in resolved
        )
        thanks = take(tg)
        assert sorted(a.user_id for a in thanks if isinstance(a, SendDirect)) == ["bob", "carol"]

        # the audit log: who, what, when, why
        await play(rt, inbox.command("case", "1", who=SAM, interaction=True))
        (history,) = take(sl)
        log = history.text.plain()
        assert "Bob reported: spam and insults" in log
        assert "Carol reported" in log
        assert "Sam claimed" in log
        assert "Sam resolved: talked to Mallory" in log


async def test_members_cannot_handle_cases_and_other_communities_cannot_see_them(
    sqlite_url: str,
) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    other = Place("tg", "telegram", "-1002", "-1002", title="Elsewhere", clock=clock)
    inbox = Place("tg", "telegram", "-100999", "-100999", title="Managers", clock=clock)
    admin_elsewhere = person("Olga", PlatformRole.ADMIN)
    async with running(
        sqlite_url, {"tg": tg}, clock=clock, escalate_to="tg:-100999", detectors=[]
    ) as rt:
        rude = group.say(MALLORY, "rude")
        await play(rt, rude, group.command("report", who=BOB, reply_to=rude))
        take(tg)
        await play(
            rt,
            inbox.press("case:1:claim", who=CAROL),
            group.command("case", "1 claim", who=CAROL),
            other.command("case", "1 claim", who=admin_elsewhere),
            other.command("case", "9 claim", who=admin_elsewhere),
            other.press("case:1:claim", who=admin_elsewhere),
            group.press("case:1:claim", who=admin_elsewhere),
        )
        done = take(tg)
        toasts = [a.toast for a in done if isinstance(a, AnswerButton) and a.alert]
        assert toasts[0] == "Only managers can handle cases."
        # another community's manager learns nothing: the case is as unknown as #9, and
        # its payload pressed outside the managers' inbox does nothing
        assert toasts[1:] == ["There is no case #1.", "There is no case #1."]
        replies = texts(done, SendMessage)
        assert "Sorry, only managers can use /case." in replies
        assert replies[-2:] == ["There is no case #1.", "There is no case #9."]
        assert not [a for a in done if isinstance(a, EditMessage)]


async def test_report_rate_limit_per_member(database_url: str) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    policy = EscalationPolicy(report_limit=2, report_window=timedelta(minutes=10))
    async with running(
        database_url,
        {"tg": tg},
        clock=clock,
        escalate_to="tg:-100999",
        policy=policy,
        detectors=[],
    ) as rt:
        messages = [group.say(MALLORY, f"message {n}") for n in range(4)]
        await play(rt, *messages)
        await play(rt, *(group.command("report", who=DAVE, reply_to=m) for m in messages[:3]))
        dms = texts(take(tg), SendDirect)
        assert dms[:2] == [
            "Thank you, the managers have your report (case #1).",
            "Thank you, the managers have your report (case #2).",
        ]
        assert dms[2] == "You sent 2 reports in the last 10m; please wait a little."
        # another member is not limited by Dave's reports
        await play(rt, group.command("report", who=CAROL, reply_to=messages[3]))
        assert texts(take(tg), SendDirect) == [
            "Thank you, the managers have your report (case #3)."
        ]
        # the window slides
        clock.advance(timedelta(minutes=11))
        await play(rt, group.command("report", who=DAVE, reply_to=messages[3]))
        assert texts(take(tg), SendDirect) == [
            "Thank you, the managers have your report (case #3)."
        ]
