"""The case card's Warn and Mute buttons ask first where the bot has forms (a reason the
member is told; ``<duration> [reason]`` read like ``/mute``) and act at once elsewhere."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.escalation.support import (
    DISCORD,
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
    AnswerButton,
    AskText,
    EditMessage,
    RestrictMember,
    SendEphemeral,
    SendMessage,
)
from townsquare.core.capabilities import Capability
from townsquare.core.escalation.feature import _form_title
from townsquare.core.refs import PlatformRole

MALLORY = person("Mallory")
BOB = person("Bob")
MO = person("Mo", PlatformRole.ADMIN)
MIKE = person("Mike", PlatformRole.ADMIN)
NOT_A_DURATION = "soon is not a duration; try 30m, 2h or 1d.\nUsage: /mute <duration> [reason]"


def acted(actions: list[Any]) -> list[Any]:
    """What reached the offender's channel or the offender: notices and mutes."""
    return [a for a in actions if isinstance(a, SendMessage | RestrictMember)]


async def test_warn_and_mute_ask_in_a_form_and_the_submission_acts(database_url: str) -> None:
    clock = Clock()
    dc = adapter("dc", "discord")
    dc.capabilities = DISCORD | {Capability.FORMS}
    general = Place("dc", "discord", "g1", "general", clock=clock)
    inbox = Place("dc", "discord", "g1", "managers", clock=clock)
    async with running(
        database_url, {"dc": dc}, clock=clock, escalate_to="dc:managers", detectors=[]
    ) as rt:
        rude = general.say(MALLORY, "you are all clowns")
        await play(rt, rude, general.command("report", "insults", who=BOB, reply_to=rude))
        card = next(a for a in take(dc) if getattr(a, "key", None) == "case:1")
        marked = [b.data for row in card.buttons for b in row if b.asks_text]  # type: ignore[attr-defined]
        assert marked == ["case:1:resolve", "case:1:warn", "case:1:mute"]

        # a manager's Warn press opens the form and warns nobody yet
        press = inbox.press("case:1:warn", who=MO)
        await play(rt, press)
        (form,) = take(dc)
        assert isinstance(form, AskText)
        assert form.interaction_id == press.interaction_id and form.data == "case:1:warn"
        assert form.title == "Warn Mallory" and form.label == "Reason (the member is told)"
        assert (form.min_length, form.max_length) == (0, 500), "optional"
        assert form.submit == "Warn" and form.user_id == "mo"
        assert form.fallback_text == "Warn with /case 1 warn [reason]"

        # a member's press and a member's submission are refused; nothing happens
        await play(rt, inbox.press("case:1:warn", who=BOB))
        await play(rt, inbox.press("case:1:warn", who=BOB, text="bye"))
        refusals = take(dc)
        assert [(type(a), a.toast, a.alert) for a in refusals] == [  # type: ignore[attr-defined]
            (AnswerButton, "Only managers can handle cases.", True)
        ] * 2

        # a typed reason is the one the member is told
        await play(rt, inbox.press("case:1:warn", who=MO, text="  stop the insults "))
        done = take(dc)
        (notice,) = [a for a in done if isinstance(a, SendMessage)]
        assert notice.channel == general.channel
        assert notice.text.plain() == "@Mallory has been warned (1/3). Reason: stop the insults"
        assert any(span.user_id == "mallory" for span in notice.text.spans)
        (toast,) = [a for a in done if isinstance(a, AnswerButton)]
        assert not toast.alert and toast.toast == "Warned Mallory: 1 active warning."
        (edit,) = [a for a in done if isinstance(a, EditMessage)]
        assert "Claimed by Mo" in edit.text.plain()

        # an empty submission warns with the case's reasons, as the button does without forms
        await play(rt, inbox.press("case:1:warn", who=MO, text=""))
        assert texts(take(dc), SendMessage) == ["@Mallory has been warned (2/3). Reason: insults"]

        # Mute asks for "<duration> [reason]"
        await play(rt, inbox.press("case:1:mute", who=MO))
        (form,) = take(dc)
        assert isinstance(form, AskText) and form.data == "case:1:mute"
        assert form.title == "Mute Mallory" and form.label == "Duration and reason, e.g. 2h spam"
        assert form.min_length == 2 and form.submit == "Mute"
        assert form.fallback_text == "Mute with /case 1 mute <duration> [reason]"

        # a bad duration is refused with /mute's words, and nothing happens
        await play(rt, inbox.press("case:1:mute", who=MO, text="soon"))
        (refused,) = take(dc)
        assert isinstance(refused, AnswerButton) and refused.alert
        assert refused.toast == NOT_A_DURATION
        await play(rt, general.command("mute", "soon", who=MO, reply_to=rude, interaction=True))
        (typed,) = take(dc)
        assert isinstance(typed, SendEphemeral) and typed.text.plain() == NOT_A_DURATION

        # a member's submission is refused
        await play(rt, inbox.press("case:1:mute", who=BOB, text="2h spam"))
        (refused,) = take(dc)
        assert isinstance(refused, AnswerButton) and refused.alert
        assert refused.toast == "Only managers can handle cases."

        # "2h spam" mutes for two hours, with that reason
        await play(rt, inbox.press("case:1:mute", who=MO, text="2h spam"))
        done = take(dc)
        (mute,) = [a for a in done if isinstance(a, RestrictMember)]
        assert mute.user_id == "mallory" and mute.until == START + timedelta(hours=2)
        assert texts(done, SendMessage) == ["@Mallory is muted for 2h. Reason: spam"]
        assert [a for a in done if isinstance(a, EditMessage)], "the card is edited"

        await play(rt, inbox.command("case", "1", who=MO, interaction=True))
        (history,) = take(dc)
        shown = history.text.plain()  # type: ignore[attr-defined]
        assert "Mo warned: stop the insults" in shown and "Mo muted: 2h: spam" in shown


async def test_a_managers_case_opens_no_form_for_another_manager(database_url: str) -> None:
    clock = Clock()
    dc = adapter("dc", "discord")
    dc.capabilities = DISCORD | {Capability.FORMS}
    general = Place("dc", "discord", "g1", "general", clock=clock)
    inbox = Place("dc", "discord", "g1", "managers", clock=clock)
    async with running(
        database_url, {"dc": dc}, clock=clock, escalate_to="dc:managers", detectors=[]
    ) as rt:
        said = general.say(MIKE, "hmm")
        await play(rt, said, general.command("report", who=BOB, reply_to=said))
        take(dc)
        for data in ("case:1:warn", "case:1:mute"):
            await play(rt, inbox.press(data, who=MO))
            (refused,) = take(dc)
            assert isinstance(refused, AnswerButton) and refused.alert
            assert refused.toast == "Only the owner can warn or mute another manager."
        await play(rt, inbox.press("case:1:mute", who=MO, text="2h"))
        (refused,) = take(dc)
        assert refused.toast == "Only the owner can warn or mute another manager."  # type: ignore[attr-defined]


async def test_without_forms_warn_and_mute_act_at_once(database_url: str) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-100", "-100", clock=clock)
    async with running(
        database_url, {"tg": tg}, clock=clock, escalate_to="tg:-100", detectors=[]
    ) as rt:
        rude = group.say(MALLORY, "you are all clowns")
        await play(rt, rude, group.command("report", "insults", who=BOB, reply_to=rude))
        card = next(a for a in take(tg) if getattr(a, "key", None) == "case:1")
        marked = [b.data for row in card.buttons for b in row if b.asks_text]  # type: ignore[attr-defined]
        assert marked == ["case:1:resolve"], "Warn and Mute act at once here"

        await play(rt, group.press("case:1:warn", who=MO))
        done = take(tg)
        assert not [a for a in done if isinstance(a, AskText)]
        assert texts(done, SendMessage) == ["@Mallory has been warned (1/3). Reason: insults"]
        await play(rt, group.press("case:1:mute", who=MO))
        done = take(tg)
        (mute,) = [a for a in done if isinstance(a, RestrictMember)]
        assert mute.until == START + timedelta(hours=1), "the community's default"
        assert texts(done, SendMessage) == ["@Mallory is muted for 1h. Reason: insults"]
        assert [a for a in done if isinstance(a, EditMessage)]
        # a member's press is refused as before
        await play(rt, group.press("case:1:mute", who=BOB))
        (refused,) = take(tg)
        assert isinstance(refused, AnswerButton) and refused.alert
        assert acted(take(tg)) == []


def test_a_long_name_is_shortened_to_fit_a_forms_title() -> None:
    title = _form_title("Mute {member}", "N" * 80)
    assert len(title) == 45 and title.startswith("Mute NNN") and title.endswith("…")
    assert _form_title("Warn {member}", "Mallory") == "Warn Mallory"
