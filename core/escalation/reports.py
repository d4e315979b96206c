"""Reports and signals: how a message becomes a case.

``/report [reason]`` (a reply; Discord's and Slack's "Report to managers" menu arrives as
the same command) opens a case for the replied-to message, or joins the existing one. The
reporter is answered privately and, on text platforms, the ``/report`` message is deleted
so the offender does not see who reported them. Detectors (:mod:`.signals`) watching
messages and reactions open cases with evidence; a dismissed one stays dismissed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from townsquare.core.actions import DeleteMessage
from townsquare.core.capabilities import Capability
from townsquare.core.commands import Invocation
from townsquare.core.escalation import facts
from townsquare.core.escalation.common import Services, audit, clean, privately
from townsquare.core.escalation.durations import format_duration
from townsquare.core.escalation.lexicon import assess
from townsquare.core.escalation.publication import (
    draft,
    find_or_open,
    publish,
    schedule_reannounce,
)
from townsquare.core.escalation.signals import (
    Detector,
    ObservedMessage,
    ObservedReaction,
    Severity,
    Signal,
)
from townsquare.core.escalation.store import CaseSource, CaseStatus, Reporter
from townsquare.core.events import CommandIssued
from townsquare.core.features import Context
from townsquare.core.i18n import _
from townsquare.core.refs import Actor
from townsquare.core.roles import Role, resolve_role

log = logging.getLogger("townsquare.core.escalation.feature")


def report_severity(reports: int) -> Severity:
    if reports >= 3:
        return Severity.HIGH
    return Severity.MEDIUM if reports == 2 else Severity.LOW


def _hide_command(ctx: Context) -> None:
    """Delete a typed ``/report`` (Telegram, console) so the offender cannot see it."""
    event = ctx.event
    if (
        isinstance(event, CommandIssued)
        and event.interaction_id is None
        and event.message is not None
        and ctx.can(Capability.DELETE)
    ):
        ctx.emit(DeleteMessage(bot=ctx.bot.name, message=event.message))


async def report_command(services: Services, invocation: Invocation, ctx: Context) -> None:
    event = ctx.event
    assert isinstance(event, CommandIssued)
    tr = ctx.tr
    reporter, community, target = event.actor, event.community, event.reply_to
    if reporter is None or community is None or target is None:
        privately(ctx, tr, tr(_("Reports work as a reply to a message in a community.")))
        return
    _hide_command(ctx)
    remembered = services.memory.get(event.bot, target)
    offender = event.reply_to_author or (remembered.author if remembered else None)
    snapshot = event.reply_to_text
    if snapshot is None:
        snapshot = remembered.text if remembered else ""
    if offender is not None and offender.user_id == reporter.user_id:
        privately(ctx, tr, tr(_("You cannot report your own message.")))
        return
    store = services.store(ctx.tx)
    policy = await services.policy_of(ctx, community)
    since = ctx.now - policy.report_window
    recent = await store.reports_since(community.platform, community.id, reporter.user_id, since)
    if recent >= policy.report_limit:
        privately(
            ctx,
            tr,
            tr.plural(
                _("You sent {n} report in the last {window}; please wait a little."),
                _("You sent {n} reports in the last {window}; please wait a little."),
                recent,
                window=format_duration(policy.report_window),
            ),
        )
        return
    reason = clean(invocation.args.get("reason"))
    new = draft(
        ctx,
        community,
        target,
        offender,
        snapshot,
        source=CaseSource.REPORT,
        reason=reason,
        severity=Severity.LOW,
        policy=policy,
    )
    case, created = await find_or_open(ctx, store, new)
    added = await store.add_reporter(
        case,
        Reporter(reporter.user_id, reporter.display_name, reason, ctx.now),
        platform=community.platform,
        community_id=community.id,
    )
    if not added:
        privately(
            ctx,
            tr,
            tr(_("You already reported this message (case #{id}). Thank you!"), id=case.id),
        )
        return
    was_resolved = case.status is CaseStatus.RESOLVED
    text_severity = assess(snapshot, is_reply=True).severity or Severity.LOW
    case = replace(
        case,
        report_count=case.report_count + 1,
        severity=max(case.severity, report_severity(case.report_count + 1), text_severity),
        reason=case.reason or reason,
        updated_at=ctx.now,
    )
    if case.status is CaseStatus.DISMISSED:  # a person reports what a detector missed
        case = replace(case, status=CaseStatus.OPEN, claimed_by_id=None, claimed_by_name=None)
        await audit(store, ctx, case, reporter, "reopened")
    await store.save_case(case)
    await audit(store, ctx, case, reporter, "reported", target=case.offender_id, note=reason)
    case = await publish(ctx, store, case, new=created)
    if created:
        await schedule_reannounce(ctx, case, policy)
        facts.opened(ctx, case, reporter)
    if was_resolved:
        answer = tr(
            _("Thank you. Managers already reviewed this message (case #{id})."), id=case.id
        )
    elif case.inbox_bot is not None or case.notified:
        answer = tr(_("Thank you, the managers have your report (case #{id})."), id=case.id)
    else:
        answer = tr(
            _(
                "Thank you, your report is recorded (case #{id}). This community has no "
                "managers' inbox yet; managers can set one with /managers here."
            ),
            id=case.id,
        )
    privately(ctx, tr, answer)


async def run_detectors(
    services: Services,
    detectors: Sequence[Detector],
    ctx: Context,
    *,
    observed: ObservedMessage | None = None,
    reaction: ObservedReaction | None = None,
    snapshot: str,
) -> None:
    for detector in detectors:
        try:
            if observed is not None:
                signals = list(detector.on_message(observed))
            elif reaction is not None:
                signals = list(detector.on_reaction(reaction))
            else:
                signals = []
        except Exception:
            log.exception("detector %s failed on %s", detector.name, ctx.event.event_id)
            continue
        for signal in signals:
            await _signal(services, ctx, signal, snapshot)


async def _signal(services: Services, ctx: Context, signal: Signal, snapshot: str) -> None:
    community = ctx.event.community
    if community is None:
        return
    offender = signal.offender or services.author_of(ctx.bot.name, signal.message)
    if offender is not None and (
        offender.is_bot or resolve_role(community.platform, offender, ctx.managers) > Role.MEMBER
    ):
        return  # managers' own messages are not flagged; bots are not members
    store = services.store(ctx.tx)
    policy = await services.policy_of(ctx, community)
    item: dict[str, Any] = {
        "detector": signal.detector,
        "kind": signal.kind,
        "severity": int(signal.severity),
        "evidence": signal.evidence,
        "values": dict(signal.values),
    }
    new = draft(
        ctx,
        community,
        signal.message,
        offender,
        snapshot,
        source=CaseSource.SIGNAL,
        reason=None,
        severity=signal.severity,
        policy=policy,
        evidence=(item,),
    )
    case, created = await find_or_open(ctx, store, new)
    detector = Actor(f"detector:{signal.detector}", signal.detector, is_bot=True)
    if created:
        await audit(store, ctx, case, detector, "signal", note=signal.kind)
        await publish(ctx, store, case, new=True)
        await schedule_reannounce(ctx, case, policy)
        facts.opened(ctx, case)
        return
    # A dismissed (or resolved) case is how a false positive stays dismissed.
    if case.status.closed or any(e.get("kind") == signal.kind for e in case.evidence):
        return
    case = replace(
        case,
        evidence=(*case.evidence, item),
        severity=max(case.severity, signal.severity),
        updated_at=ctx.now,
    )
    await store.save_case(case)
    await audit(store, ctx, case, detector, "signal", note=signal.kind)
    await publish(ctx, store, case, new=False)
