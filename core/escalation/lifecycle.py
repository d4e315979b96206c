"""A case's life as pure transitions: open -> claimed -> resolved or dismissed, and back
by reopening.

Each function takes a case and returns the case it becomes, with what the audit log
records and what the acting manager is told, or raises :class:`Refused` saying why it may
not happen. Nothing here reads or writes: :mod:`.cases` stores, audits and republishes
the result, so the rules can be read (and tested) on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from townsquare.core.buttons import Payload
from townsquare.core.escalation.common import Refused
from townsquare.core.escalation.store import Case, CaseStatus
from townsquare.core.i18n import Translator, _
from townsquare.core.refs import Actor


class CaseAction(StrEnum):
    """What a manager may do to a case (``/case <id> <action>``, the card's buttons);
    the values are the typed words and the buttons' payloads, in the order ``/case``
    lists them."""

    CLAIM = "claim"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    DISMISS = "dismiss"
    WARN = "warn"
    MUTE = "mute"

    @classmethod
    def parse(cls, word: str) -> CaseAction | None:
        try:
            return cls(word)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class CaseButton(Payload):
    """A case card's button: ``case:<id>:<action>`` (well under Telegram's 64 bytes)."""

    prefix: ClassVar[str] = "case"
    case_id: int
    action: CaseAction


@dataclass(frozen=True, slots=True)
class Transition:
    """A case after an action. ``audit`` None: nothing changed (the manager who holds a
    case claims it again), so nothing is stored."""

    case: Case
    audit: str | None
    answer: str
    note: str | None = None


def claimed(case: Case, actor: Actor, now: datetime) -> Case:
    return replace(
        case,
        status=CaseStatus.CLAIMED,
        claimed_by_id=actor.user_id,
        claimed_by_name=actor.display_name,
        updated_at=now,
    )


def claim(case: Case, actor: Actor, now: datetime, tr: Translator) -> Transition:
    if case.status.closed:
        raise Refused(tr(_("Case #{id} is closed; reopen it with /case {id} reopen."), id=case.id))
    if case.status is CaseStatus.CLAIMED:
        if case.claimed_by_id == actor.user_id:
            return Transition(case, None, tr(_("You already handle case #{id}."), id=case.id))
        raise Refused(
            tr(
                _("Case #{id} is already claimed by {manager}."),
                id=case.id,
                manager=case.claimed_by_name or "?",
            )
        )
    return Transition(
        claimed(case, actor, now), "claimed", tr(_("You claimed case #{id}."), id=case.id)
    )


def resolve(
    case: Case, actor: Actor, now: datetime, note: str | None, tr: Translator
) -> Transition:
    if not note:
        raise Refused(tr(_("Resolving needs a note: send /case {id} resolve <note>"), id=case.id))
    if case.status.closed:
        raise Refused(tr(_("Case #{id} is already closed."), id=case.id))
    resolved = replace(
        case,
        status=CaseStatus.RESOLVED,
        resolution=note,
        claimed_by_id=actor.user_id,
        claimed_by_name=actor.display_name,
        closed_at=now,
        updated_at=now,
    )
    return Transition(resolved, "resolved", tr(_("Case #{id} resolved."), id=case.id), note)


def reopen(case: Case, now: datetime, note: str | None, tr: Translator) -> Transition:
    if not case.status.closed:
        raise Refused(tr(_("Case #{id} is not closed."), id=case.id))
    opened = replace(
        case,
        status=CaseStatus.OPEN,
        resolution=None,
        claimed_by_id=None,
        claimed_by_name=None,
        closed_at=None,
        updated_at=now,
    )
    return Transition(opened, "reopened", tr(_("Case #{id} is open again."), id=case.id), note)


def dismiss(
    case: Case, actor: Actor, now: datetime, note: str | None, tr: Translator
) -> Transition:
    if case.status.closed:
        raise Refused(tr(_("Case #{id} is already closed."), id=case.id))
    dismissed = replace(
        case,
        status=CaseStatus.DISMISSED,
        claimed_by_id=actor.user_id,
        claimed_by_name=actor.display_name,
        closed_at=now,
        updated_at=now,
    )
    answer = tr(_("Case #{id} dismissed; signals about that message will be ignored."), id=case.id)
    return Transition(dismissed, "dismissed", answer, note)


def moderated(case: Case, actor: Actor, now: datetime) -> Case:
    """A case whose offender a manager warned or muted: they handle it now, if nobody
    did."""
    return claimed(case, actor, now) if case.status is CaseStatus.OPEN else case
