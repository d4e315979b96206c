"""Cases reaching managers: opened once per message, sent to the managers' inbox (or to
the managers seen in the community, privately), every copy edited as the case changes,
and announced once more while nobody claims it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from townsquare.core.actions import EditMessage, SendDirect, SendMessage
from townsquare.core.escalation.cards import case_buttons, render_case
from townsquare.core.escalation.common import audit, community_translator, has_forms
from townsquare.core.escalation.durations import format_duration
from townsquare.core.escalation.links import message_link
from townsquare.core.escalation.policy import EscalationPolicy
from townsquare.core.escalation.signals import Severity
from townsquare.core.escalation.store import (
    Case,
    CaseSource,
    CaseStatus,
    EscalationStore,
    NewCase,
)
from townsquare.core.events import JobDue
from townsquare.core.features import Context
from townsquare.core.i18n import _
from townsquare.core.inbox import managers_inbox
from townsquare.core.refs import Actor, CommunityRef, MessageRef
from townsquare.core.roles import Role, resolve_role
from townsquare.core.text import as_text, bold, compose, lines, mention

REANNOUNCE_JOB = "escalation.reannounce"
UNREACHABLE_MANAGER = _(
    "{manager}, there is a new case for the managers, and I cannot write to you privately. "
    "Open a private chat with me to get cases there, or choose a managers' chat with "
    "/managers here."
)
"""Said in the chat, naming no one but the manager, when a case cannot reach them."""


def draft(
    ctx: Context,
    community: CommunityRef,
    message: MessageRef,
    offender: Actor | None,
    snapshot: str,
    *,
    source: CaseSource,
    reason: str | None,
    severity: Severity,
    policy: EscalationPolicy,
    evidence: tuple[dict[str, Any], ...] = (),
) -> NewCase:
    channel = message.channel
    title = channel.title
    event_channel = ctx.event.channel
    if not title and event_channel is not None and event_channel.id == channel.id:
        title = event_channel.title
    role = (
        resolve_role(community.platform, offender, ctx.managers)
        if offender is not None
        else Role.MEMBER
    )
    return NewCase(
        platform=community.platform,
        bot=ctx.bot.name,
        community_id=community.id,
        community_title=community.title,
        channel_id=channel.id,
        channel_title=title,
        thread_id=channel.thread_id,
        message_id=message.message_id,
        snapshot=snapshot[: policy.snapshot_chars],
        link=message_link(community.platform, community.id, message, community.url),
        offender_id=offender.user_id if offender else None,
        offender_name=offender.display_name if offender else None,
        offender_role=role,
        source=source,
        reason=reason,
        severity=severity,
        evidence=evidence,
    )


async def find_or_open(ctx: Context, store: EscalationStore, new: NewCase) -> tuple[Case, bool]:
    """The case of ``new``'s message, and whether it was opened now."""
    assert new.message_id is not None
    existing = await store.case_for_message(
        new.platform, new.community_id, new.channel_id, new.message_id
    )
    if existing is not None:
        return existing, False
    created = await store.create_case(new, ctx.now)
    if created is not None:
        return created, True
    raced = await store.case_for_message(
        new.platform, new.community_id, new.channel_id, new.message_id
    )
    if raced is None:
        raise RuntimeError("case vanished while being opened")
    return raced, False


async def publish(ctx: Context, store: EscalationStore, case: Case, *, new: bool) -> Case:
    """Send a new case to the inbox (or managers privately), or edit every copy."""
    managers: list[Actor] = []
    if new:
        inbox = await managers_inbox(ctx, case.community)
        if inbox is not None:
            case = replace(
                case,
                inbox_bot=inbox.bot,
                inbox_channel=inbox.channel.id,
                inbox_thread=inbox.channel.thread_id,
            )
        else:
            managers = list(await store.known_managers(case.platform, case.community_id))[:5]
            case = replace(case, notified=tuple(manager.user_id for manager in managers))
        await store.save_case(case)
    tr = await community_translator(ctx, case.community)
    text = as_text(render_case(case, await store.reporters(case.id), tr))
    inbox_channel = case.inbox_channel_ref
    if case.inbox_bot is not None and case.inbox_bot in ctx.bots and inbox_channel:
        buttons = case_buttons(case, tr, forms=has_forms(ctx, case.inbox_bot))
        if new:
            ctx.emit(
                SendMessage(
                    bot=case.inbox_bot,
                    channel=inbox_channel,
                    text=text,
                    buttons=buttons,
                    key=case.key,
                )
            )
        else:
            ctx.emit(EditMessage(bot=case.inbox_bot, key=case.key, text=text, buttons=buttons))
    buttons = case_buttons(case, tr, forms=has_forms(ctx, case.bot))
    for user_id in case.notified:
        key = f"{case.key}:dm:{user_id}"
        if not new:
            ctx.emit(EditMessage(bot=case.bot, key=key, text=text, buttons=buttons))
            continue
        manager = next(m for m in managers if m.user_id == user_id)
        ctx.emit(
            SendDirect(
                bot=case.bot,
                user_id=user_id,
                display_name=manager.display_name,
                text=text,
                buttons=buttons,
                key=key,
                # A manager the platform will not message privately (a Telegram admin
                # who never started the bot) is called in the chat instead, with nothing
                # about the case, rather than the case reaching nobody.
                fallback_channel=case.channel,
                fallback_text=compose(
                    tr(UNREACHABLE_MANAGER),
                    manager=mention(user_id, manager.display_name),
                ),
            )
        )
    return case


async def schedule_reannounce(ctx: Context, case: Case, policy: EscalationPolicy) -> None:
    """One job per case, never cancelled: when it fires it does nothing unless the case
    is still open and unclaimed, which is simpler than cancelling it on every claim."""
    await ctx.tx.schedule(
        kind=REANNOUNCE_JOB,
        due_at=ctx.now + policy.reannounce_after,
        platform=case.platform,
        bot=case.bot,
        payload={"case": case.id, "after": policy.reannounce_after.total_seconds()},
        community_id=case.community_id,
        channel_id=case.channel_id,
        key=f"{REANNOUNCE_JOB}:{case.id}",
        now=ctx.now,
    )


async def reannounce(ctx: Context, store: EscalationStore, event: JobDue) -> None:
    case = await store.case(int(event.payload.get("case", 0)))
    if case is None or case.status is not CaseStatus.OPEN or case.reannounced_at is not None:
        return
    tr = await community_translator(ctx, case.community)
    after = timedelta(seconds=float(event.payload.get("after", 0)))
    text = lines(
        bold(tr(_("Still unclaimed after {duration}:"), duration=format_duration(after))),
        render_case(case, await store.reporters(case.id), tr),
    )
    inbox_channel = case.inbox_channel_ref
    if case.inbox_bot in ctx.bots and case.inbox_bot is not None and inbox_channel:
        buttons = case_buttons(case, tr, forms=has_forms(ctx, case.inbox_bot))
        ctx.emit(SendMessage(bot=case.inbox_bot, channel=inbox_channel, text=text, buttons=buttons))
    elif case.notified:
        buttons = case_buttons(case, tr, forms=has_forms(ctx, case.bot))
        for manager in await store.known_managers(case.platform, case.community_id):
            if manager.user_id in case.notified:
                ctx.emit(
                    SendDirect(
                        bot=case.bot,
                        user_id=manager.user_id,
                        display_name=manager.display_name,
                        text=text,
                        buttons=buttons,
                    )
                )
    else:
        return
    case = replace(case, reannounced_at=ctx.now)
    await store.save_case(case)
    bot = Actor(f"bot:{ctx.bot.name}", ctx.bot.name, is_bot=True)
    await audit(store, ctx, case, bot, "reannounced")


async def thank_reporters(ctx: Context, store: EscalationStore, case: Case) -> None:
    """Reporters learn their report was handled (not how: that stays with managers)."""
    if case.bot not in ctx.bots:
        return
    tr = await community_translator(ctx, case.community)
    text = tr(
        _("Managers reviewed the message you reported in {community}. Thank you!"),
        community=case.community_title or case.community_id,
    )
    for reporter in (await store.reporters(case.id))[:20]:
        ctx.emit(
            SendDirect(
                bot=case.bot,
                user_id=reporter.user_id,
                display_name=reporter.display_name,
                text=as_text(text),
            )
        )
