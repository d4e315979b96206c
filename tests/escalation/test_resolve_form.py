"""The case card's Resolve button asks for the note in a form where the platform has
forms; the submitted form resolves the case as ``/case <id> resolve <note>`` does."""

from __future__ import annotations

from tests.escalation.support import (
    DISCORD,
    Clock,
    Place,
    adapter,
    person,
    running,
    take,
)
from tests.harness import play
from townsquare.core.actions import (
    AnswerButton,
    AskText,
    EditMessage,
    SendDirect,
    SendEphemeral,
    SendMessage,
)
from townsquare.core.capabilities import Capability
from townsquare.core.refs import PlatformRole

MALLORY = person("Mallory")
BOB = person("Bob")
MO = person("Mo", PlatformRole.ADMIN)
HINT = "Resolving needs a note: send /case 1 resolve <note>"


async def test_resolve_asks_for_the_note_in_a_form_and_the_form_resolves(
    database_url: str,
) -> None:
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
        resolve = next(b for row in card.buttons for b in row if b.data == "case:1:resolve")  # type: ignore[attr-defined]
        assert resolve.asks_text, "Discord must not acknowledge this press before the core"
        marked = [b.data for row in card.buttons for b in row if b.asks_text]  # type: ignore[attr-defined]
        assert marked == ["case:1:resolve", "case:1:warn", "case:1:mute"], "Claim acts at once"

        # a member pressing Resolve is refused, and no form opens
        await play(rt, inbox.press("case:1:resolve", who=BOB))
        (refusal,) = take(dc)
        assert isinstance(refusal, AnswerButton) and refusal.alert
        assert refusal.toast == "Only managers can handle cases."

        # a manager gets the form; the hint is kept for where it cannot open
        press = inbox.press("case:1:resolve", who=MO)
        await play(rt, press)
        (form,) = take(dc)
        assert isinstance(form, AskText)
        assert form.interaction_id == press.interaction_id and form.data == "case:1:resolve"
        assert form.title == "Resolve case #1" and form.label == "Resolution note"
        assert (form.min_length, form.max_length) == (3, 500), "what /case resolve keeps"
        assert form.submit == "Resolve" and form.fallback_text == HINT
        assert form.user_id == "mo" and form.channel == inbox.channel

        # an empty submission closes nothing
        await play(rt, inbox.press("case:1:resolve", who=MO, text="   "))
        (empty,) = take(dc)
        assert isinstance(empty, AnswerButton) and empty.alert and empty.toast == HINT

        # a member who submits (a form is no permission) is refused too
        await play(rt, inbox.press("case:1:resolve", who=BOB, text="nothing to see"))
        (refused,) = take(dc)
        assert (
            isinstance(refused, AnswerButton) and refused.toast == "Only managers can handle cases."
        )

        # the manager's note resolves the case: card, reporter, toast, audit log
        await play(rt, inbox.press("case:1:resolve", who=MO, text="  spam link removed  "))
        done = take(dc)
        (toast,) = [a for a in done if isinstance(a, AnswerButton)]
        assert toast.toast == "Case #1 resolved." and not toast.alert
        (edit,) = [a for a in done if isinstance(a, EditMessage)]
        assert "Resolved by Mo: spam link removed" in edit.text.plain()
        assert [a.user_id for a in done if isinstance(a, SendDirect)] == ["bob"]

        await play(rt, inbox.command("case", "1", who=MO, interaction=True))
        (history,) = take(dc)
        assert isinstance(history, SendEphemeral)
        assert "Mo resolved: spam link removed" in history.text.plain()

        # pressing Resolve on a closed case opens no form; submitting again changes nothing
        await play(rt, inbox.press("case:1:resolve", who=MO))
        (closed,) = take(dc)
        assert isinstance(closed, AnswerButton) and closed.toast == "Case #1 is already closed."
        await play(rt, inbox.press("case:1:resolve", who=MO, text="again"))
        (again,) = take(dc)
        assert isinstance(again, AnswerButton) and again.toast == "Case #1 is already closed."


async def test_without_forms_the_resolve_button_keeps_the_typed_hint(database_url: str) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    group = Place("tg", "telegram", "-100", "-100", clock=clock)
    async with running(
        database_url, {"tg": tg}, clock=clock, escalate_to="tg:-100", detectors=[]
    ) as rt:
        rude = group.say(MALLORY, "you are all clowns")
        await play(rt, rude, group.command("report", "insults", who=BOB, reply_to=rude))
        take(tg)
        await play(rt, group.press("case:1:resolve", who=MO))
        (hint,) = take(tg)
        assert isinstance(hint, AnswerButton) and hint.alert and hint.toast == HINT
        # and /settings says so, as it does for every capability the platform lacks
        await play(rt, group.command("settings", who=MO))
        (settings,) = take(tg)
        assert isinstance(settings, SendMessage)
        assert "buttons that ask for text (a case's note) say which command to type" in (
            settings.text.plain()
        )
