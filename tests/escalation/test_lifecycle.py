"""A case's life on its own, without storage or platforms: every status and action, and
what each transition allows, records and refuses."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.escalation.support import START, person
from townsquare.core.escalation.common import Refused
from townsquare.core.escalation.lifecycle import (
    CaseAction,
    claim,
    dismiss,
    moderated,
    reopen,
    resolve,
)
from townsquare.core.escalation.signals import Severity
from townsquare.core.escalation.store import Case, CaseSource, CaseStatus
from townsquare.core.i18n import translator
from townsquare.core.roles import Role

TR = translator("en")
ANN, BEN = person("Ann"), person("Ben")
LATER = START.replace(hour=13)


def case(status: CaseStatus = CaseStatus.OPEN, holder: str | None = None) -> Case:
    return Case(
        id=7,
        platform="telegram",
        bot="tg",
        community_id="c1",
        community_title="Square",
        channel_id="general",
        channel_title="#general",
        thread_id=None,
        message_id="m1",
        snapshot="text",
        link=None,
        offender_id="olga",
        offender_name="Olga",
        offender_role=Role.MEMBER,
        source=CaseSource.REPORT,
        reason=None,
        severity=Severity.LOW,
        status=status,
        report_count=1,
        evidence=(),
        claimed_by_id=holder,
        claimed_by_name=holder.title() if holder else None,
        resolution=None,
        inbox_bot=None,
        inbox_channel=None,
        inbox_thread=None,
        created_at=START,
        updated_at=START,
    )


def test_the_actions_are_the_words_and_payloads_managers_use() -> None:
    assert [str(action) for action in CaseAction] == [
        "claim",
        "resolve",
        "reopen",
        "dismiss",
        "warn",
        "mute",
    ]
    assert CaseAction.parse("mute") is CaseAction.MUTE
    assert CaseAction.parse("ban") is None


def test_claiming_an_open_case_makes_the_manager_its_holder() -> None:
    step = claim(case(), ANN, LATER, TR)
    assert (step.case.status, step.case.claimed_by_id, step.case.updated_at) == (
        CaseStatus.CLAIMED,
        "ann",
        LATER,
    )
    assert step.audit == "claimed" and step.answer == "You claimed case #7."


def test_claiming_again_changes_nothing_and_another_holder_is_refused() -> None:
    held = case(CaseStatus.CLAIMED, holder="ann")
    again = claim(held, ANN, LATER, TR)
    assert again.audit is None and again.case is held
    with pytest.raises(Refused, match="already claimed by Ann"):
        claim(held, BEN, LATER, TR)


@pytest.mark.parametrize("status", [CaseStatus.RESOLVED, CaseStatus.DISMISSED])
def test_a_closed_case_only_reopens(status: CaseStatus) -> None:
    closed = replace(case(status, holder="ann"), resolution="done", closed_at=START)
    with pytest.raises(Refused, match="closed"):
        claim(closed, BEN, LATER, TR)
    with pytest.raises(Refused, match="closed"):
        resolve(closed, BEN, LATER, "again", TR)
    with pytest.raises(Refused, match="closed"):
        dismiss(closed, BEN, LATER, None, TR)
    step = reopen(closed, LATER, "second look", TR)
    assert step.case.status is CaseStatus.OPEN
    assert (step.case.claimed_by_id, step.case.resolution, step.case.closed_at) == (
        None,
        None,
        None,
    )
    assert (step.audit, step.note) == ("reopened", "second look")


def test_resolving_needs_a_note_and_closes_the_case_under_the_resolver() -> None:
    with pytest.raises(Refused, match="needs a note"):
        resolve(case(), ANN, LATER, None, TR)
    step = resolve(case(CaseStatus.CLAIMED, holder="ben"), ANN, LATER, "talked to her", TR)
    assert (step.case.status, step.case.resolution, step.case.claimed_by_id) == (
        CaseStatus.RESOLVED,
        "talked to her",
        "ann",
    )
    assert step.case.closed_at == LATER and step.audit == "resolved"


def test_an_open_case_is_not_reopened_and_dismissing_closes_it() -> None:
    with pytest.raises(Refused, match="is not closed"):
        reopen(case(), LATER, None, TR)
    step = dismiss(case(), ANN, LATER, None, TR)
    assert step.case.status is CaseStatus.DISMISSED and step.case.closed_at == LATER


def test_moderating_claims_an_open_case_only() -> None:
    assert moderated(case(), ANN, LATER).claimed_by_id == "ann"
    held = case(CaseStatus.CLAIMED, holder="ben")
    assert moderated(held, ANN, LATER) is held
