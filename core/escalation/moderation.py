"""Moderation on the origin platform: warnings with thresholds, mutes, unmutes.

Shared by the reply commands (``/warn``, ``/mute``, ``/unmute``) and a case's Warn/Mute
buttons pressed in an inbox that may be on another platform: actions are emitted for the
bot of the offending message, notices go to its channel in its community's language, and
every step is written to the audit log. The public notice mentions the member, so they
are told what happened and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from townsquare.core.actions import RemoveMember, RestrictMember, SendMessage, UnrestrictMember
from townsquare.core.capabilities import Capability
from townsquare.core.escalation.durations import MAX_MUTE, MIN_MUTE, format_duration
from townsquare.core.escalation.policy import EscalationPolicy, threshold_reached
from townsquare.core.escalation.store import AuditEntry, Case, EscalationStore
from townsquare.core.features import Context
from townsquare.core.i18n import Translator, _, translator
from townsquare.core.refs import Actor, ChannelRef, CommunityRef
from townsquare.core.refusals import refusable
from townsquare.core.roles import Role
from townsquare.core.text import Text, TextLike, as_text, compose, mention


@dataclass(frozen=True, slots=True)
class Origin:
    """Where moderation runs: the bot, community and channel of the offending message."""

    bot: str
    community: CommunityRef
    channel: ChannelRef


class Refused(Exception):
    """A case or moderation action that may not happen; the message says why."""

    def __init__(self, message: TextLike) -> None:
        super().__init__(as_text(message).plain())
        self.text = as_text(message)


def same_community(community: CommunityRef | None, platform: str, community_id: str) -> bool:
    return community is not None and (community.platform, community.id) == (
        platform,
        community_id,
    )


async def community_translator(ctx: Context, community: CommunityRef) -> Translator:
    """The language of ``community`` (case cards and notices follow the origin's)."""
    if same_community(ctx.event.community, community.platform, community.id):
        return await ctx.translator()
    stored = (await ctx.tx.settings(community)).get("locale")
    return translator(stored if isinstance(stored, str) else ctx.default_locale)


async def audit(
    store: EscalationStore,
    ctx: Context,
    case: Case | None,
    actor: Actor,
    action: str,
    *,
    community: CommunityRef | None = None,
    target: str | None = None,
    note: str | None = None,
) -> None:
    where = community or (case.community if case else None)
    if where is None:
        return
    await store.audit(
        AuditEntry(
            platform=where.platform,
            community_id=where.id,
            actor_id=actor.user_id,
            actor_name=actor.display_name,
            action=action,
            at=ctx.now,
            case_id=case.id if case else None,
            target_id=target,
            note=note,
        )
    )


def check_target(tr: Translator, target: Actor, target_role: Role, actor_role: Role) -> None:
    """Refused unless someone with ``actor_role`` may warn or mute ``target``: never a
    bot nor the owner, another manager only by the owner."""
    if target.is_bot:
        raise Refused(tr(_("Bots cannot be warned or muted.")))
    if target_role >= actor_role:
        if target_role is Role.OWNER:
            raise Refused(tr(_("Nobody can warn or mute the community owner.")))
        raise Refused(tr(_("Only the owner can warn or mute another manager.")))


async def moderate(
    ctx: Context,
    store: EscalationStore,
    policy: EscalationPolicy,
    *,
    kind: Literal["warn", "mute", "unmute"],
    origin: Origin,
    target: Actor,
    target_role: Role,
    actor: Actor,
    actor_role: Role,
    reason: str | None,
    duration: timedelta | None,
    case: Case | None,
) -> Text:
    """Warn, mute or unmute ``target`` on the origin platform; returns the answer for
    the acting manager, or raises Refused."""
    tr = await ctx.translator()
    check_target(tr, target, target_role, actor_role)
    otr = await community_translator(ctx, origin.community)
    who = mention(target.user_id, target.display_name)
    shown_reason = reason or otr(_("no reason given"))
    case_id = case.id if case else None
    if kind == "unmute":
        unmute = UnrestrictMember(
            bot=origin.bot,
            community=origin.community,
            user_id=target.user_id,
            channel=origin.channel,
        )
        ctx.emit(await refusable(ctx, unmute, target.display_name))
        _notice(ctx, origin, compose(otr(_("{member} can write again.")), member=who))
        await audit(
            store,
            ctx,
            case,
            actor,
            "unmuted",
            community=origin.community,
            target=target.user_id,
        )
        return as_text(tr(_("{member} can write again."), member=target.display_name))
    if kind == "mute":
        length = min(max(duration or policy.mute_duration, MIN_MUTE), MAX_MUTE)
        _notice(
            ctx,
            origin,
            compose(
                otr(_mute_template(ctx, origin)),
                member=who,
                duration=format_duration(length),
                reason=shown_reason,
            ),
        )
        await _restrict(ctx, origin, target, length)  # after: a fallback notice follows it
        await audit(
            store,
            ctx,
            case,
            actor,
            "muted",
            community=origin.community,
            target=target.user_id,
            note=f"{format_duration(length)}: {shown_reason}",
        )
        return as_text(
            tr(
                _("{member} is muted for {duration}."),
                member=target.display_name,
                duration=format_duration(length),
            )
        )
    # warn
    await store.add_warning(
        platform=origin.community.platform,
        community_id=origin.community.id,
        target=target,
        reason=reason,
        issued_by=actor,
        issued_at=ctx.now,
        expires_at=ctx.now + policy.warning_ttl,
        case_id=case_id,
    )
    active = len(
        await store.active_warnings(
            origin.community.platform, origin.community.id, target.user_id, ctx.now
        )
    )
    limits = [t.warnings for t in policy.thresholds if t.warnings > active]
    if limits:
        notice = compose(
            otr(_("{member} has been warned ({count}/{limit}). Reason: {reason}")),
            member=who,
            count=str(active),
            limit=str(min(limits)),
            reason=shown_reason,
        )
    else:
        notice = compose(
            otr(_("{member} has been warned ({count}). Reason: {reason}")),
            member=who,
            count=str(active),
            reason=shown_reason,
        )
    _notice(ctx, origin, notice)
    await audit(
        store,
        ctx,
        case,
        actor,
        "warned",
        community=origin.community,
        target=target.user_id,
        note=reason,
    )
    answer = tr.plural(
        _("Warned {member}: {n} active warning."),
        _("Warned {member}: {n} active warnings."),
        active,
        member=target.display_name,
    )
    reached = threshold_reached(active, policy.thresholds)
    if reached is None:
        return as_text(answer)
    why = otr.plural(_("{n} active warning"), _("{n} active warnings"), active)
    if reached.action == "remove":
        _notice(
            ctx,
            origin,
            compose(otr(_("{member} is removed from the community: {why}.")), member=who, why=why),
        )
        removal = RemoveMember(
            bot=origin.bot,
            community=origin.community,
            user_id=target.user_id,
            channel=origin.channel,
        )
        ctx.emit(await refusable(ctx, removal, target.display_name))
        await audit(
            store,
            ctx,
            case,
            actor,
            "auto-removed",
            community=origin.community,
            target=target.user_id,
            note=why,
        )
        return as_text(answer + " " + tr(_("Removed automatically.")))
    automatic = reached.duration
    if automatic is None:
        text = compose(
            otr(_("{member} is muted until a manager lifts it: {why}.")), member=who, why=why
        )
    else:
        text = compose(
            otr(_("{member} is muted for {duration}: {why}.")),
            member=who,
            duration=format_duration(automatic),
            why=why,
        )
    _notice(ctx, origin, text)
    await _restrict(ctx, origin, target, automatic)
    await audit(
        store,
        ctx,
        case,
        actor,
        "auto-muted",
        community=origin.community,
        target=target.user_id,
        note=why,
    )
    return as_text(answer + " " + tr(_("Muted automatically.")))


def _mute_template(ctx: Context, origin: Origin) -> str:
    bot = ctx.bots.get(origin.bot)
    if bot is not None and Capability.RESTRICT in bot.capabilities:
        return _("{member} is muted for {duration}. Reason: {reason}")
    return _("Mute requested for {member} ({duration}). Reason: {reason}")


async def _restrict(ctx: Context, origin: Origin, target: Actor, length: timedelta | None) -> None:
    mute = RestrictMember(
        bot=origin.bot,
        community=origin.community,
        user_id=target.user_id,
        channel=origin.channel,
        until=ctx.now + length if length is not None else None,
    )
    ctx.emit(await refusable(ctx, mute, target.display_name))


def _notice(ctx: Context, origin: Origin, text: TextLike) -> None:
    ctx.emit(SendMessage(bot=origin.bot, channel=origin.channel, text=as_text(text)))
