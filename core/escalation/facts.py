"""What escalation tells other features (:mod:`core.facts.escalation`): a case opened,
claimed or closed, a warning given, a member muted. Each is published in the handler
that made the change, so it is stored with it (and never if the handler fails)."""

from __future__ import annotations

from datetime import timedelta

from townsquare.core.escalation.store import Case, EscalationStore
from townsquare.core.facts import CaseClaimed, CaseOpened, CaseResolved, MemberMuted, WarningGiven
from townsquare.core.features import Context
from townsquare.core.refs import Actor, CommunityRef


def opened(ctx: Context, case: Case, reporter: Actor | None = None) -> None:
    ctx.publish(
        CaseOpened(
            platform=case.platform,
            community_id=case.community_id,
            at=ctx.now,
            case_id=case.id,
            source=str(case.source),
            severity=int(case.severity),
            offender_id=case.offender_id,
            reporter_id=reporter.user_id if reporter is not None else None,
        )
    )


def claimed(ctx: Context, case: Case, manager: Actor) -> None:
    ctx.publish(
        CaseClaimed(
            platform=case.platform,
            community_id=case.community_id,
            at=ctx.now,
            case_id=case.id,
            manager_id=manager.user_id,
            manager_platform=ctx.event.platform,
        )
    )


async def closed(
    ctx: Context, store: EscalationStore, case: Case, manager: Actor, *, dismissed: bool
) -> None:
    reporters = await store.reporters(case.id)
    ctx.publish(
        CaseResolved(
            platform=case.platform,
            community_id=case.community_id,
            at=ctx.now,
            case_id=case.id,
            manager_id=manager.user_id,
            manager_platform=ctx.event.platform,
            dismissed=dismissed,
            reporter_ids=tuple(reporter.user_id for reporter in reporters),
        )
    )


def warned(
    ctx: Context,
    community: CommunityRef,
    member: Actor,
    manager: Actor,
    warnings: int,
    case: Case | None,
) -> None:
    ctx.publish(
        WarningGiven(
            platform=community.platform,
            community_id=community.id,
            at=ctx.now,
            user_id=member.user_id,
            manager_id=manager.user_id,
            warnings=warnings,
            case_id=case.id if case is not None else None,
        )
    )


def muted(
    ctx: Context,
    community: CommunityRef,
    member: Actor,
    manager: Actor,
    length: timedelta | None,
    case: Case | None,
) -> None:
    ctx.publish(
        MemberMuted(
            platform=community.platform,
            community_id=community.id,
            at=ctx.now,
            user_id=member.user_id,
            manager_id=manager.user_id,
            until=ctx.now + length if length is not None else None,
            case_id=case.id if case is not None else None,
        )
    )
