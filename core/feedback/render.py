"""What the feedback board says: pure functions of an idea, shared by its board messages,
team inbox messages, private answers and notices (:mod:`core.feedback.feature`).

An idea's text and its submitter's name are member text: they go in as values of
:func:`core.text.compose` (plain spans), never as markup, and nobody is ever mentioned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from townsquare.core.actions import Button, ButtonRows, ButtonStyle
from townsquare.core.feedback.rules import (
    CLOSED,
    SETTABLE,
    FileButton,
    OfferVote,
    Status,
    StatusButton,
    VoteButton,
)
from townsquare.core.feedback.store import Idea, Notice, Shipped
from townsquare.core.i18n import Translator, _
from townsquare.core.text import Text, TextLike, bold, compose, italic, lines

PREVIEW = 120
"""Characters of an idea shown in lists and notices."""


def status_name(status: Status, tr: Translator) -> str:
    match status:
        case Status.NEW:
            return tr(_("New"))
        case Status.REVIEW:
            return tr(_("Under review"))
        case Status.PLANNED:
            return tr(_("Planned"))
        case Status.PROGRESS:
            return tr(_("In progress"))
        case Status.DONE:
            return tr(_("Done"))
        case Status.DECLINED:
            return tr(_("Declined"))
        case Status.DUPLICATE:
            return tr(_("Duplicate"))
        case _:
            assert_never(status)


def preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1] + "…"


def _state(idea: Idea, tr: Translator) -> Text:
    """``5 votes · Planned`` (``Duplicate of #3``)."""
    votes = tr.plural(_("{n} vote"), _("{n} votes"), idea.votes)
    if idea.status is Status.DUPLICATE and idea.duplicate_of is not None:
        state = tr(_("Duplicate of #{id}"), id=idea.duplicate_of)
    else:
        state = status_name(idea.status, tr)
    return compose("{votes} · {state}", votes=votes, state=bold(state))


def post(idea: Idea, tr: Translator, *, team: str | None = None) -> Text:
    """An idea's board message (or, with ``team``, its team inbox message)."""
    parts: list[TextLike] = [
        compose("💡 {head} {state}", head=bold(f"#{idea.id}"), state=_state(idea, tr)),
        idea.text,
        compose("— {name}", name=idea.submitter.display_name),
    ]
    if idea.note:
        parts.append(compose("{label} {note}", label=italic(tr(_("Note:"))), note=idea.note))
    if team is not None:
        parts.append(tr(_("Team: {team}"), team=team))
    return lines(*parts)


def vote_buttons(idea: Idea, tr: Translator) -> ButtonRows:
    if idea.status in CLOSED:
        return ()
    vote = Button(
        tr(_("👍 Vote ({n})"), n=idea.votes),
        VoteButton(idea.id).pack(),
        ButtonStyle.PRIMARY,
        fallback=f"/feedback vote {idea.id}",
    )
    return ((vote,),)


def status_buttons(idea: Idea, tr: Translator) -> ButtonRows:
    """A team inbox message's buttons: every status but the current one."""
    buttons = [
        Button(
            status_name(status, tr),
            StatusButton(idea.id, status).pack(),
            ButtonStyle.DEFAULT,
            fallback=f"/feedback status {idea.id} {status.value}",
        )
        for status in SETTABLE
        if status is not idea.status and status is not Status.NEW
    ]
    return tuple(tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3))


def line(idea: Idea, tr: Translator) -> Text:
    """One idea in a list: ``#12 Dark mode (5 votes · Planned)``."""
    return compose(
        "{id} {text} ({state})",
        id=bold(f"#{idea.id}"),
        text=preview(idea.text),
        state=_state(idea, tr),
    )


def listing(ideas: Sequence[Idea], status: Status | None, tr: Translator) -> Text:
    if not ideas:
        if status is None:
            return as_lines(tr(_("No open ideas yet: /feedback <your idea> files one.")))
        return as_lines(tr(_("No ideas are {status}."), status=status_name(status, tr)))
    if status is None:
        head = tr(_("Open ideas, most voted first:"))
    else:
        head = tr(_("Ideas {status}:"), status=status_name(status, tr))
    return lines(bold(head), *(line(idea, tr) for idea in ideas))


def as_lines(text: str) -> Text:
    return lines(text)


def details(
    idea: Idea, history: Sequence[tuple[object, Status, str | None, str]], tr: Translator
) -> Text:
    """``/feedback <id>``: the idea, its votes, status and the history of its statuses."""
    parts: list[TextLike] = [post(idea, tr, team=idea.team)]
    for _at, status, note, _by in history:
        if note:
            parts.append(compose("→ {status}: {note}", status=status_name(status, tr), note=note))
        else:
            parts.append(compose("→ {status}", status=status_name(status, tr)))
    return lines(*parts)


def similar(found: Sequence[Idea], draft_id: int, tr: Translator) -> Text:
    """The private offer before filing."""
    first = found[0]
    return lines(
        tr(_("Similar ideas are on the board already:")),
        *(line(idea, tr) for idea in found),
        tr(
            _(
                "Vote for #{id} instead? If yours is another idea, file it anyway "
                "(or /feedback file {draft})."
            ),
            id=first.id,
            draft=draft_id,
        ),
    )


def similar_buttons(found: Sequence[Idea], draft_id: int, tr: Translator) -> ButtonRows:
    rows: list[tuple[Button, ...]] = [
        (
            Button(
                tr(_("Vote for #{id}"), id=idea.id),
                OfferVote(draft_id, idea.id).pack(),
                ButtonStyle.PRIMARY,
                fallback=f"/feedback vote {idea.id}",
            ),
        )
        for idea in found
        if idea.status not in CLOSED
    ]
    rows.append(
        (
            Button(
                tr(_("File mine anyway")),
                FileButton(draft_id).pack(),
                fallback=f"/feedback file {draft_id}",
            ),
        )
    )
    return tuple(rows)


def filed(idea: Idea, tr: Translator, *, team: str | None = None) -> Text:
    """The private answer to the submitter."""
    parts: list[TextLike] = [
        tr(
            _(
                "Thanks! Your idea is #{id}. You will hear from me privately when its status "
                "changes; /feedback {id} shows it."
            ),
            id=idea.id,
        )
    ]
    if team is not None:
        parts.append(tr(_("It went to the team {team}."), team=team))
    return lines(*parts)


def notice(notices: Sequence[Notice], tr: Translator) -> Text:
    """One message to one backer about every idea of theirs that changed status (an idea
    that changed twice meanwhile is told once, as it is now)."""
    notices = list({each.idea_id: each for each in notices}.values())
    parts: list[TextLike] = []
    if len(notices) == 1:
        parts.append(tr(_("An idea you backed has a new status:")))
    else:
        parts.append(
            tr.plural(
                _("{n} idea you backed has a new status:"),
                _("{n} ideas you backed have a new status:"),
                len(notices),
            )
        )
    for each in notices:
        if each.status is Status.DUPLICATE and each.duplicate_of is not None:
            state = tr(_("duplicate of #{id} (your vote now counts there)"), id=each.duplicate_of)
        else:
            state = status_name(each.status, tr)
        parts.append(
            compose(
                "{id} {text} → {state}",
                id=bold(f"#{each.idea_id}"),
                text=preview(each.text),
                state=bold(state),
            )
        )
        if each.note:
            parts.append(compose("   {note}", note=italic(each.note)))
    return lines(*parts)


def shipped(ideas: Sequence[Shipped], month: str, tr: Translator) -> Text:
    """The monthly "you asked, we shipped" post."""
    return lines(
        bold(tr(_("You asked, we shipped ({month}):"), month=month)),
        *(
            compose(
                "✅ {id} {text} — {credit}",
                id=bold(f"#{idea.id}"),
                text=preview(idea.text),
                credit=compose(
                    "{asked} ({votes})",
                    asked=tr(_("asked by {name}"), name=idea.submitter),
                    votes=tr.plural(_("{n} vote"), _("{n} votes"), idea.votes),
                ),
            )
            for idea in ideas
        ),
        tr(_("Thank you for every idea and vote.")),
    )
