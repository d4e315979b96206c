"""Moderation on the origin platform: warnings with thresholds, mutes, unmutes.

Shared by the reply commands (``/warn``, ``/mute``, ``/unmute``) and a case's Warn/Mute
buttons pressed in an inbox that may be on another platform: actions are emitted for the
bot of the offending message, notices go to its channel in its community's language, and
every step is written to the audit log. The public notice mentions the member, so they
are told what happened and why. Each job is one function (:func:`warn`, :func:`mute`,
:func:`unmute`) taking the :class:`Order` that says who acts on whom, where.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from townsquare.core.actions import RemoveMember, RestrictMember, SendMessage, UnrestrictMember
from townsquare.core.capabilities import Capability
from townsquare.core.escalation import facts
from townsquare.core.escalation.common import Refused, audit, community_translator
from townsquare.core.escalation.durations import MAX_MUTE, MIN_MUTE, format_duration
from townsquare.core.escalation.ledger import Ledger
from townsquare.core.escalation.policy import EscalationPolicy, Threshold, threshold_reached
from townsquare.core.escalation.store import Case, EscalationStore
from townsquare.core.features import Context
from townsquare.core.i18n import Translator, _
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


@dataclass(frozen=True, slots=True)
class Order:
    """A manager's moderation order: ``actor`` (with ``actor_role``) acts on ``target``
    (with ``target_role``) where ``origin`` says, for ``case`` if there is one."""

    origin: Origin
    target: Actor
    target_role: Role
    actor: Actor
    actor_role: Role
    case: Case | None = None


def check_target(tr: Translator, target: Actor, target_role: Role, actor_role: Role) -> None:
    """Refused unless someone with ``actor_role`` may warn or mute ``target``: never a
    bot nor the owner, another manager only by the owner."""
    if target.is_bot:
        raise Refused(tr(_("Bots cannot be warned or muted.")))
    if target_role >= actor_role:
        if target_role is Role.OWNER:
            raise Refused(tr(_("Nobody can warn or mute the community owner.")))
        raise Refused(tr(_("Only the owner can warn or mute another manager.")))


async def _checked(ctx: Context, order: Order) -> tuple[Translator, Translator]:
    """The caller's and the origin community's translators, once the order may run."""
    tr = ctx.tr
    check_target(tr, order.target, order.target_role, order.actor_role)
    return tr, await community_translator(ctx, order.origin.community)


async def _audit(
    ctx: Context, store: EscalationStore, order: Order, action: str, note: str | None = None
) -> None:
    await audit(
        store,
        ctx,
        order.case,
        order.actor,
        action,
        community=order.origin.community,
        target=order.target.user_id,
        note=note,
    )


def _who(order: Order) -> TextLike:
    return mention(order.target.user_id, order.target.display_name)


async def unmute(ctx: Context, store: EscalationStore, order: Order) -> Text:
    """Let ``order.target`` write again; the answer for the acting manager."""
    tr, otr = await _checked(ctx, order)
    origin, target = order.origin, order.target
    action = UnrestrictMember(
        bot=origin.bot, community=origin.community, user_id=target.user_id, channel=origin.channel
    )
    ctx.emit(await refusable(ctx, action, target.display_name))
    _notice(ctx, origin, compose(otr(_("{member} can write again.")), member=_who(order)))
    await _audit(ctx, store, order, "unmuted")
    return as_text(tr(_("{member} can write again."), member=target.display_name))


async def mute(
    ctx: Context, store: EscalationStore, order: Order, length: timedelta, reason: str | None
) -> Text:
    """Mute ``order.target`` for ``length`` (kept within the platforms' limits)."""
    tr, otr = await _checked(ctx, order)
    length = min(max(length, MIN_MUTE), MAX_MUTE)
    shown_reason = reason or otr(_("no reason given"))
    template = otr(_mute_template(ctx, order.origin))
    duration = format_duration(length)
    _notice(
        ctx,
        order.origin,
        compose(template, member=_who(order), duration=duration, reason=shown_reason),
    )
    await _restrict(ctx, order, length)  # after: a fallback notice follows it
    await _audit(ctx, store, order, "muted", f"{duration}: {shown_reason}")
    return as_text(
        tr(
            _("{member} is muted for {duration}."),
            member=order.target.display_name,
            duration=duration,
        )
    )


async def warn(
    ctx: Context,
    ledger: Ledger,
    policy: EscalationPolicy,
    order: Order,
    reason: str | None,
) -> Text:
    """Warn ``order.target``; the threshold their active warnings (their person's, where
    the :class:`Ledger` counts them) reach mutes or removes them (:func:`_escalate`)."""
    tr, otr = await _checked(ctx, order)
    origin, target, store = order.origin, order.target, ledger.store
    await ledger.give(
        ctx, origin.community, target, order.actor, reason, policy.warning_ttl, order.case
    )
    active = len(await ledger.active(ctx, origin.bot, origin.community, target))
    shown_reason = reason or otr(_("no reason given"))
    limits = [t.warnings for t in policy.thresholds if t.warnings > active]
    if limits:
        notice = compose(
            otr(_("{member} has been warned ({count}/{limit}). Reason: {reason}")),
            member=_who(order),
            count=str(active),
            limit=str(min(limits)),
            reason=shown_reason,
        )
    else:
        notice = compose(
            otr(_("{member} has been warned ({count}). Reason: {reason}")),
            member=_who(order),
            count=str(active),
            reason=shown_reason,
        )
    _notice(ctx, origin, notice)
    await _audit(ctx, store, order, "warned", reason)
    facts.warned(ctx, origin.community, target, order.actor, active, order.case)
    answer = tr.plural(
        _("Warned {member}: {n} active warning."),
        _("Warned {member}: {n} active warnings."),
        active,
        member=target.display_name,
    )
    reached = threshold_reached(active, policy.thresholds)
    if reached is None:
        return as_text(answer)
    return as_text(answer + " " + await _escalate(ctx, store, order, reached, active, otr))


async def _escalate(
    ctx: Context,
    store: EscalationStore,
    order: Order,
    reached: Threshold,
    active: int,
    otr: Translator,
) -> str:
    """Do what the threshold ``reached`` says; what the manager is told of it."""
    tr = ctx.tr
    origin, who = order.origin, _who(order)
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
            user_id=order.target.user_id,
            channel=origin.channel,
        )
        ctx.emit(await refusable(ctx, removal, order.target.display_name))
        await _audit(ctx, store, order, "auto-removed", why)
        return tr(_("Removed automatically."))
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
    await _restrict(ctx, order, automatic)
    await _audit(ctx, store, order, "auto-muted", why)
    return tr(_("Muted automatically."))


def _can_restrict(ctx: Context, origin: Origin) -> bool:
    bot = ctx.bots.get(origin.bot)
    return bot is not None and Capability.RESTRICT in bot.capabilities


def _mute_template(ctx: Context, origin: Origin) -> str:
    if _can_restrict(ctx, origin):
        return _("{member} is muted for {duration}. Reason: {reason}")
    return _("Mute requested for {member} ({duration}). Reason: {reason}")


async def _restrict(ctx: Context, order: Order, length: timedelta | None) -> None:
    """Mute the target (and tell other features, where the platform mutes at all: a
    mute Slack cannot do is only a notice to managers)."""
    origin = order.origin
    action = RestrictMember(
        bot=origin.bot,
        community=origin.community,
        user_id=order.target.user_id,
        channel=origin.channel,
        until=ctx.now + length if length is not None else None,
    )
    ctx.emit(await refusable(ctx, action, order.target.display_name))
    if _can_restrict(ctx, origin):
        facts.muted(ctx, origin.community, order.target, order.actor, length, order.case)


def _notice(ctx: Context, origin: Origin, text: TextLike) -> None:
    ctx.emit(SendMessage(bot=origin.bot, channel=origin.channel, text=as_text(text)))
