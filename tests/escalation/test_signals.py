"""Conflict signals open cases; a dismissal is remembered for that message."""

from __future__ import annotations

from datetime import timedelta

from tests.escalation.support import Clock, Place, adapter, person, running, take
from tests.harness import play
from townsquare.core.actions import AnswerButton, EditMessage, SendDirect, SendMessage
from townsquare.core.events import MessageEdited
from townsquare.core.refs import PlatformRole

MALLORY = person("Mallory")
BOB, CAROL, DAVE, ERIN = person("Bob"), person("Carol"), person("Dave"), person("Erin")
ALICE = person("Alice", PlatformRole.ADMIN)


def cards(actions: list[object]) -> list[SendMessage]:
    return [a for a in actions if isinstance(a, SendMessage) and a.key]


async def test_a_threat_opens_a_case_and_a_dismissal_sticks_to_the_message(
    database_url: str,
) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    async with running(database_url, {"tg": tg}, clock=clock, escalate_to="tg:-100999") as rt:
        joke = group.say(MALLORY, "ti ammazzo 😂 (scherzo)")
        await play(rt, joke)
        (card,) = cards(take(tg))
        assert card.key == "case:1" and card.channel.id == "-100999"
        body = card.text.plain()
        assert "Threat: “ti ammazzo”" in body and "high" in body
        assert [b.data for row in card.buttons for b in row][-1] == "case:1:dismiss"

        inbox = Place("tg", "telegram", "-100999", "-100999", clock=clock)
        await play(rt, inbox.press("case:1:dismiss", who=ALICE))
        done = take(tg)
        assert next(a for a in done if isinstance(a, AnswerButton)).toast == (
            "Case #1 dismissed; signals about that message will be ignored."
        )
        edit = next(a for a in done if isinstance(a, EditMessage))
        assert "Dismissed by Alice as a false alarm" in edit.text.plain()
        assert [b.data for row in edit.buttons for b in row] == ["case:1:reopen"]

        # the same message, edited to something worse, stays dismissed
        edited = MessageEdited(
            platform="telegram",
            bot="tg",
            event_id="edit-1",
            occurred_at=clock.now,
            community=group.community,
            channel=group.channel,
            actor=MALLORY,
            message=joke.message,
            text="ti ammazzo davvero, so dove abiti",
        )
        await play(rt, edited)
        assert take(tg) == []

        # a new message is a new signal
        await play(rt, group.say(MALLORY, "I will kill you"))
        (second,) = cards(take(tg))
        assert second.key == "case:2"

        # a person reporting the dismissed message reopens it as a report
        await play(rt, group.command("report", "this was not a joke", who=BOB, reply_to=joke))
        reopened = [a for a in take(tg) if isinstance(a, EditMessage)]
        assert reopened and "· open" in reopened[-1].text.plain()
        assert "Reported by 1 member: Bob" in reopened[-1].text.plain()


async def test_managers_messages_and_harmless_ones_raise_nothing(sqlite_url: str) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    async with running(sqlite_url, {"tg": tg}, clock=clock, escalate_to="tg:-100999") as rt:
        await play(
            rt,
            group.say(BOB, "I felt like an idiot this morning"),
            group.say(ALICE, "you idiots, read the rules"),  # managers are not flagged
            group.say(CAROL, "kill the build and restart it"),
        )
        assert take(tg) == []


async def test_flags_from_distinct_members_open_a_case_naming_the_author(
    sqlite_url: str,
) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    async with running(sqlite_url, {"tg": tg}, clock=clock, escalate_to="tg:-100999") as rt:
        spam = group.say(MALLORY, "buy cheap followers at example.com")
        await play(
            rt,
            spam,
            group.react("🚩", who=BOB, on=spam),
            group.react("🚩", who=BOB, on=spam),
            group.react("⚠️", who=CAROL, on=spam),
        )
        assert cards(take(tg)) == []
        await play(rt, group.react("🚩", who=DAVE, on=spam))
        (card,) = cards(take(tg))
        body = card.text.plain()
        assert "Flagged by members: 🚩 × 3" in body
        assert "Message from Mallory:" in body and "cheap followers" in body
        assert any(b.data == "case:1:warn" for row in card.buttons for b in row)
        await play(rt, group.react("🚩", who=ERIN, on=spam))
        assert cards(take(tg)) == []


async def test_a_quarrel_is_heat(sqlite_url: str) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    async with running(sqlite_url, {"tg": tg}, clock=clock, escalate_to="tg:-100999") as rt:
        last = group.say(BOB, "pineapple belongs on pizza")
        events = [last]
        for n in range(6):
            clock.advance(timedelta(seconds=10))
            who = CAROL if n % 2 == 0 else BOB
            last = group.say(
                who, "no it does not" if who == CAROL else "yes it does", reply_to=last
            )
            events.append(last)
        await play(rt, *events)
        (card,) = cards(take(tg))
        assert "Heated exchange: replies between Bob and Carol within 2 min: 6" in card.text.plain()


async def test_without_an_inbox_known_managers_get_the_case_privately(
    database_url: str,
) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-1001", "-1001", clock=clock)
    dm = Place("tg", "telegram", "", "alice", clock=clock, direct=True)
    async with running(database_url, {"tg": tg}, clock=clock, detectors=[]) as rt:
        rude = group.say(MALLORY, "rude")
        await play(rt, group.command("help", who=ALICE), rude)
        take(tg)
        await play(rt, group.command("report", who=BOB, reply_to=rude))
        done = take(tg)
        private = [a for a in done if isinstance(a, SendDirect)]
        to_alice = next(a for a in private if a.user_id == "alice")
        assert to_alice.key == "case:1:dm:alice" and to_alice.buttons
        to_bob = next(a for a in private if a.user_id == "bob")
        assert to_bob.text.plain() == "Thank you, the managers have your report (case #1)."

        # Alice presses Claim in her private chat: she was sent the case, so she may
        alice_in_dm = person("Alice")  # a private chat says nothing about her role
        await play(rt, dm.press("case:1:claim", who=alice_in_dm))
        done = take(tg)
        assert next(a for a in done if isinstance(a, AnswerButton)).toast == (
            "You claimed case #1."
        )
        (edit,) = [a for a in done if isinstance(a, EditMessage)]
        assert edit.key == "case:1:dm:alice" and "Claimed by Alice" in edit.text.plain()

        # without any known manager, the reporter is told the report is recorded
        other = Place("tg", "telegram", "-1002", "-1002", clock=clock)
        rude2 = other.say(MALLORY, "rude")
        await play(rt, rude2, other.command("report", who=BOB, reply_to=rude2))
        (told,) = [a for a in take(tg) if isinstance(a, SendDirect)]
        assert told.text.plain().startswith("Thank you, your report is recorded (case #2).")
