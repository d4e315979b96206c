"""Handling cases: ``/cases``, ``/case <id> [action]`` and the case card's buttons.

Who may act is decided here (:func:`authorize`); what an action does to the case is
:mod:`.lifecycle`'s (claim, resolve, reopen, dismiss) or :mod:`.moderation`'s (warn and
mute the case's offender on the origin platform). Every change is stored, audited and
republished to every copy of the case message.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, assert_never

from townsquare.core.commands import Invocation
from townsquare.core.escalation import facts
from townsquare.core.escalation.cards import audit_line, list_line, render_case
from townsquare.core.escalation.common import (
    Refused,
    Services,
    audit,
    clean,
    community_translator,
    same_community,
)
from townsquare.core.escalation.durations import parse_duration
from townsquare.core.escalation.lifecycle import (
    CaseAction,
    Transition,
    claim,
    dismiss,
    moderated,
    reopen,
    resolve,
)
from townsquare.core.escalation.moderation import Order, Origin, mute, warn
from townsquare.core.escalation.publication import publish, thank_reporters
from townsquare.core.escalation.specs import CASE_ID
from townsquare.core.escalation.store import Case, CaseFilter, CaseStatus, EscalationStore
from townsquare.core.events import Event
from townsquare.core.features import Context
from townsquare.core.i18n import Translator, _
from townsquare.core.inbox import managers_inbox
from townsquare.core.refs import Actor
from townsquare.core.roles import Role
from townsquare.core.text import TextLike, bold, lines

CASE_ACTIONS = tuple(CaseAction)


def notified_privately(case: Case, event: Event) -> bool:
    """``event`` comes from a private chat with the bot that sent ``case`` to its author
    privately (no managers' inbox): there, and only there, they may name the case. The
    same manager typing its id in another community's chat gets an unknown case."""
    actor, channel = event.actor, event.channel
    private = (channel is not None and channel.is_direct) or event.community is None
    return (
        private and actor is not None and event.bot == case.bot and actor.user_id in case.notified
    )


async def reaches(thing: Any, ctx: Context) -> bool:
    """A case is also named from its managers' inbox (which may be another bot on
    another platform) and by the managers it was sent to privately."""
    if not isinstance(thing, Case):
        return False
    event = ctx.event
    if notified_privately(thing, event):
        return True
    channel = event.channel
    if channel is None:
        return False
    if thing.inbox_bot == event.bot and thing.inbox_channel == channel.id:
        return True
    inbox = await managers_inbox(ctx, thing.community)
    return inbox is not None and inbox.bot == event.bot and inbox.channel.id == channel.id


async def cases_command(services: Services, invocation: Invocation, ctx: Context) -> None:
    tr = ctx.tr
    event = ctx.event
    which = invocation.args.get("which")
    statuses = list(CaseStatus) if which == "all" else [CaseStatus.OPEN, CaseStatus.CLAIMED]
    where = CaseFilter(
        platform=event.community.platform if event.community else None,
        community_id=event.community.id if event.community else None,
        inbox_bot=ctx.bot.name if event.channel else None,
        inbox_channel=event.channel.id if event.channel else None,
        statuses=statuses,
    )
    found = await services.store(ctx.tx).cases(where)
    if not found:
        ctx.respond(tr(_("No open cases.")))
        return
    ctx.respond(
        lines(
            bold(tr(_("Cases:"))),
            *(list_line(case, tr) for case in found),
            tr(_("Show one with /case <id>.")),
        )
    )


async def case_command(services: Services, invocation: Invocation, ctx: Context) -> None:
    tr = ctx.tr
    found = invocation.found["id"]
    assert isinstance(found, Case)
    given = invocation.args.get("action")
    word = given.lower() if isinstance(given, str) else None
    action = CaseAction.parse(word) if word is not None else None
    if word is not None and action is None:
        ctx.respond(
            tr(
                _("Unknown action {action}; use one of: {actions}."),
                action=word,
                actions=", ".join(CASE_ACTIONS),
            )
        )
        return
    note = clean(invocation.args.get("note"))
    try:
        result = await act(services, ctx, found.id, action, note)
    except Refused as refusal:
        result = refusal.text
    ctx.respond(result)


async def case_for_actor(services: Services, ctx: Context, case_id: int, tr: Translator) -> Case:
    case = await services.find(CASE_ID, case_id, ctx)
    if case is None:
        raise Refused(tr(CASE_ID.unknown, id=case_id))
    assert isinstance(case, Case)
    return case


async def authorize(ctx: Context, case: Case, tr: Translator) -> Role:
    """The caller's role for this case, or Refused.

    Allowed: managers of the case's community, managers acting in the case's inbox
    (which may be on another platform), and the managers it was sent to privately.
    Owner rights (acting on other managers) count only inside the case's own
    community: owning the Slack workspace that holds the inbox, or being named in a
    private copy, is not owning the Telegram group the case is about.
    """
    event = ctx.event
    actor = event.actor
    if actor is None:
        raise Refused(tr(_("Only managers can handle cases.")))
    role = ctx.role
    notified = event.bot == case.bot and actor.user_id in case.notified
    if notified:
        role = max(role, Role.MANAGER)
    if role < Role.MANAGER:
        raise Refused(tr(_("Only managers can handle cases.")))
    if same_community(event.community, case.platform, case.community_id):
        return role
    role = min(role, Role.MANAGER)
    if notified:
        return role
    channel = event.channel
    if channel is not None:
        if case.inbox_bot == event.bot and case.inbox_channel == channel.id:
            return role
        inbox = await managers_inbox(ctx, case.community)
        if inbox is not None and inbox.bot == event.bot and inbox.channel.id == channel.id:
            return role
    raise Refused(tr(_("Case #{id} belongs to another community."), id=case.id))


async def act(
    services: Services,
    ctx: Context,
    case_id: int,
    action: CaseAction | None,
    note: str | None,
) -> TextLike:
    """Do ``action`` to the case (None: show it with its history); the answer for the
    acting manager, or Refused."""
    tr = ctx.tr
    store = services.store(ctx.tx)
    case = await case_for_actor(services, ctx, case_id, tr)
    role = await authorize(ctx, case, tr)
    actor = ctx.event.actor
    assert actor is not None
    if action is None:
        return await _shown(ctx, store, case, tr)
    match action:
        case CaseAction.CLAIM:
            step = claim(case, actor, ctx.now, tr)
        case CaseAction.RESOLVE:
            step = resolve(case, actor, ctx.now, note, tr)
        case CaseAction.REOPEN:
            step = reopen(case, ctx.now, note, tr)
        case CaseAction.DISMISS:
            step = dismiss(case, actor, ctx.now, note, tr)
        case CaseAction.WARN | CaseAction.MUTE:
            return await _moderate(services, ctx, store, case, action, role, note)
        case _:
            assert_never(action)
    if step.audit is None:  # nothing changed
        return step.answer
    await _apply(ctx, store, step, actor)
    match action:
        case CaseAction.CLAIM:
            facts.claimed(ctx, step.case, actor)
        case CaseAction.RESOLVE:
            await thank_reporters(ctx, store, step.case)
            await facts.closed(ctx, store, step.case, actor, dismissed=False)
        case CaseAction.DISMISS:
            await facts.closed(ctx, store, step.case, actor, dismissed=True)
        case CaseAction.REOPEN:
            pass
    return step.answer


async def _shown(ctx: Context, store: EscalationStore, case: Case, tr: Translator) -> TextLike:
    origin_tr = await community_translator(ctx, case.community)
    history = await store.audit_log(case.id)
    return lines(
        render_case(case, await store.reporters(case.id), origin_tr),
        "",
        bold(tr(_("History:"))),
        *(audit_line(entry, tr) for entry in history),
    )


async def _apply(ctx: Context, store: EscalationStore, step: Transition, actor: Actor) -> None:
    """Store, audit and republish a transition."""
    assert step.audit is not None
    case = step.case
    await store.save_case(case)
    await audit(store, ctx, case, actor, step.audit, target=case.offender_id, note=step.note)
    await publish(ctx, store, case, new=False)


async def _moderate(
    services: Services,
    ctx: Context,
    store: EscalationStore,
    case: Case,
    action: CaseAction,
    role: Role,
    note: str | None,
) -> TextLike:
    """Warn or mute the case's offender, on the origin platform."""
    tr = ctx.tr
    actor = ctx.event.actor
    assert actor is not None
    offender = case.offender
    if offender is None:
        raise Refused(
            tr(
                _("Case #{id} has no known author; reply to their message with /{command}."),
                id=case.id,
                command=action.value,
            )
        )
    duration: timedelta | None = None
    reason = note
    if action is CaseAction.MUTE and note:
        first, *rest = note.split(maxsplit=1)
        duration = parse_duration(first)
        if duration is not None:
            reason = rest[0].strip() if rest else None
    policy = await services.policy_of(ctx, case.community)
    if case.bot not in ctx.bots:
        raise Refused(tr(_("Bot {bot} is not running here."), bot=case.bot))
    order = Order(
        origin=Origin(case.bot, case.community, case.channel),
        target=offender,
        target_role=case.offender_role,
        actor=actor,
        actor_role=role,
        case=case,
    )
    reason = reason or case.reason or tr(_("case #{id}"), id=case.id)
    if action is CaseAction.WARN:
        result = await warn(ctx, services.ledger(ctx), policy, order, reason)
    else:
        result = await mute(ctx, store, order, duration or policy.mute_duration, reason)
    updated = moderated(case, actor, ctx.now)
    if updated is not case:
        await store.save_case(updated)
        facts.claimed(ctx, updated, actor)
    await publish(ctx, store, updated, new=False)
    return result
