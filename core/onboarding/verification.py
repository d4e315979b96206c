"""The rules gate: newcomers muted (or given a role) until they accept the rules, the
deadline that removes them or leaves them muted, and ``/verify``."""

from __future__ import annotations

from townsquare.core.actions import RemoveMember, RestrictMember, UnrestrictMember
from townsquare.core.capabilities import Capability
from townsquare.core.events import JobDue
from townsquare.core.facts.onboarding import MemberVerified
from townsquare.core.features import Context
from townsquare.core.i18n import Translator, _
from townsquare.core.onboarding import gate as gates
from townsquare.core.onboarding.common import Services, gate_key, platform_of
from townsquare.core.onboarding.gate import AcceptButton
from townsquare.core.onboarding.settings import Gate, OnboardingSettings, Then
from townsquare.core.onboarding.specs import ACCEPT_ELSEWHERE, NOT_FOR_YOU, ROLE_REFERENCE
from townsquare.core.onboarding.store import GateStatus, Newcomer
from townsquare.core.refs import Actor, ChannelRef, CommunityRef
from townsquare.core.refusals import refusable
from townsquare.core.text import TextLike, code, compose, lines

NOTHING_TO_ACCEPT = _("There is nothing for you to accept.")


async def gate_deadline(services: Services, event: JobDue, ctx: Context) -> None:
    community = event.community
    user_id = str(event.payload.get("user", ""))
    if community is None or not user_id:
        return
    store = services.store(ctx.tx)
    known = await store.newcomer(community.platform, community.id, user_id)
    if known is None or known.gate is not GateStatus.PENDING:
        return
    settings = await ctx.settings(OnboardingSettings, community)
    if settings.then is Then.STAY:
        await store.decide(community.platform, community.id, user_id, GateStatus.EXPIRED, ctx.now)
        return
    await store.decide(community.platform, community.id, user_id, GateStatus.REMOVED, ctx.now)
    if known.bot in ctx.bots:
        removal = RemoveMember(
            bot=known.bot,
            community=community,
            user_id=user_id,
            channel=ChannelRef(known.channel_id, known.thread_id),
        )
        ctx.emit(await refusable(ctx, removal, known.display_name))


async def accept_pressed(services: Services, accepted: AcceptButton, ctx: Context) -> None:
    event = ctx.press
    if event.actor is None:
        return
    tr = ctx.tr
    if accepted.user_id is not None and accepted.user_id != event.actor.user_id:
        ctx.answer(tr(NOT_FOR_YOU))
        return
    community_id = accepted.community_id or (event.community.id if event.community else None)
    if community_id is None:
        ctx.answer(tr(NOTHING_TO_ACCEPT))
        return
    outcome = await _accept(services, ctx, platform_of(event), community_id, event.actor)
    if outcome is None:
        ctx.answer(tr(NOT_FOR_YOU if accepted.user_id is None else NOTHING_TO_ACCEPT))
        return
    ctx.answer(tr(outcome))


async def accept_command(services: Services, ctx: Context) -> None:
    tr = ctx.tr
    event = ctx.event
    if event.community is None or event.actor is None:
        ctx.respond(tr(ACCEPT_ELSEWHERE))
        return
    community = event.community
    outcome = await _accept(services, ctx, community.platform, community.id, event.actor)
    ctx.respond(tr(outcome or NOTHING_TO_ACCEPT))


async def _accept(
    services: Services, ctx: Context, platform: str, community_id: str, actor: Actor
) -> str | None:
    """Accept for ``actor``; the (untranslated) answer, or None if nothing was pending."""
    store = services.store(ctx.tx)
    pending = await store.pending_gates(platform, community_id, actor.user_id)
    if not pending:
        known = await store.newcomer(platform, community_id, actor.user_id)
        if known is not None and known.gate is GateStatus.ACCEPTED:
            return _("You have already accepted the rules.")
        if known is not None and known.gate is GateStatus.EXPIRED:
            return _("The time to accept the rules has passed; please ask a manager.")
        return None
    released = False
    settings = await ctx.settings(OnboardingSettings, CommunityRef(platform, community_id))
    for newcomer in pending:
        await store.decide(platform, community_id, actor.user_id, GateStatus.ACCEPTED, ctx.now)
        await ctx.tx.cancel_job(gate_key(newcomer))
        released |= await _gate_action(ctx, newcomer, settings.role, restrict=False)
    ctx.publish(
        MemberVerified(
            platform=platform, community_id=community_id, at=ctx.now, user_id=actor.user_id
        )
    )
    if released:
        return _("Thank you! You can write now.")
    return _("Thank you for accepting the rules.")


async def _gate_action(
    ctx: Context, newcomer: Newcomer, role: str | None, *, restrict: bool
) -> bool:
    """Mute a gated newcomer (or give them the gate's ``role``), or lift it; False where
    the platform can do neither."""
    info = ctx.bots.get(newcomer.bot)
    if info is None:
        return False
    if role is not None and Capability.ROLES not in info.capabilities:
        role = None
    if role is None and Capability.RESTRICT not in info.capabilities:
        return False
    kind = RestrictMember if restrict else UnrestrictMember
    action = kind(
        bot=newcomer.bot,
        community=CommunityRef(newcomer.platform, newcomer.community_id),
        user_id=newcomer.user_id,
        channel=ChannelRef(newcomer.channel_id, newcomer.thread_id),
        role_id=role,
    )
    ctx.emit(await refusable(ctx, action, newcomer.display_name))
    return True


def verify_lines(ctx: Context, settings: OnboardingSettings, tr: Translator) -> list[TextLike]:
    if settings.gate is Gate.OFF:
        return [tr(_("Verification: off"))]
    result: list[TextLike] = []
    if settings.gate is Gate.TRACKED or not ctx.can(Capability.RESTRICT):
        result.append(
            tr(
                _(
                    "Verification: tracked only (this platform cannot mute members, so "
                    "acceptance is recorded but newcomers can write at once)"
                )
            )
        )
        return result
    if settings.role is not None and ctx.can(Capability.ROLES):
        result.append(
            compose(
                tr(_("Verification: on (newcomers get the role {role} until they accept)")),
                role=code(settings.role),
            )
        )
    else:
        result.append(tr(_("Verification: on (newcomers are muted until they accept the rules)")))
    if settings.timeout:
        then = _("removed") if settings.then is Then.REMOVE else _("left muted")
        result.append(
            tr(
                _("Without acceptance after {timeout} they are {then}."),
                timeout=gates.format_timeout(settings.timeout),
                then=tr(then),
            )
        )
    else:
        result.append(tr(_("No deadline: they stay muted until they accept.")))
    return result


async def show(ctx: Context) -> None:
    """``/verify``: the gate's settings (also the answer to every change of them)."""
    tr = ctx.tr
    settings = await ctx.settings(OnboardingSettings)
    shown: list[TextLike] = verify_lines(ctx, settings, tr)
    if settings.gate is not Gate.OFF and settings.rules is None:
        shown.append(
            compose(
                tr(_("Set the rules newcomers accept with {command}.")),
                command=code("/rules set"),
            )
        )
    ctx.respond(lines(*shown))


async def turn_on(ctx: Context) -> None:
    chosen = Gate.ON if ctx.can(Capability.RESTRICT) else Gate.TRACKED
    await ctx.update_settings(OnboardingSettings, gate=chosen)
    await show(ctx)


async def turn_off(services: Services, ctx: Context) -> None:
    await ctx.update_settings(OnboardingSettings, gate=Gate.OFF)
    released = await _release_all(services, ctx, ctx.community)
    if not released:
        await show(ctx)
        return
    ctx.respond(
        ctx.tr.plural(
            _("Verification is off; {n} newcomer waiting was let in."),
            _("Verification is off; {n} newcomers waiting were let in."),
            released,
        )
    )


async def set_timeout(ctx: Context, text: str) -> None:
    text = text.strip().lower()
    if text in ("off", "0", "never"):
        await ctx.update_settings(OnboardingSettings, timeout=0)
    else:
        duration = gates.parse_timeout(text)
        if duration is None:
            ctx.respond(ctx.tr(_("Give a time between 1m and 7d, like 10m, 2h or 1d, or off.")))
            return
        await ctx.update_settings(OnboardingSettings, timeout=int(duration.total_seconds()))
    await show(ctx)


async def set_then(ctx: Context, what: str) -> None:
    what = what.strip().lower()
    if what not in (Then.REMOVE.value, Then.STAY.value):
        ctx.respond(ctx.tr(_("Choose remove or stay.")))
        return
    await ctx.update_settings(OnboardingSettings, then=Then(what))
    await show(ctx)


async def _release_all(services: Services, ctx: Context, community: CommunityRef) -> int:
    store = services.store(ctx.tx)
    role = (await ctx.settings(OnboardingSettings, community)).role
    pending = await store.pending_gates(community.platform, community.id)
    for newcomer in pending:
        await store.decide(
            newcomer.platform,
            newcomer.community_id,
            newcomer.user_id,
            GateStatus.RELEASED,
            ctx.now,
        )
        await ctx.tx.cancel_job(gate_key(newcomer))
        await _gate_action(ctx, newcomer, role, restrict=False)
    return len(pending)


async def set_role(services: Services, ctx: Context, text: str) -> None:
    """``/verify role <@role|id|off>``; newcomers already waiting switch over at once
    (the old role or mute lifted, the new one applied), so nobody keeps a stale one."""
    tr, community = ctx.tr, ctx.community
    if not ctx.can(Capability.ROLES):
        ctx.respond(tr(_("This platform has no roles to give: newcomers are muted instead.")))
        return
    text = text.strip()
    if text.lower() in ("off", "none", "timeout"):
        role = None
    else:
        match = ROLE_REFERENCE.fullmatch(text)
        if match is None:
            ctx.respond(tr(_("Name the role as a mention (@Role) or by its id, or off.")))
            return
        role = match.group(1) or match.group(2)
    old = (await ctx.settings(OnboardingSettings, community)).role
    await ctx.update_settings(OnboardingSettings, community, role=role)
    if role != old:
        store = services.store(ctx.tx)
        for newcomer in await store.pending_gates(community.platform, community.id):
            await _gate_action(ctx, newcomer, old, restrict=False)
            await _gate_action(ctx, newcomer, role, restrict=True)
    await show(ctx)
