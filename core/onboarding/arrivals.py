"""Joins and leaves: a newcomer is stored once, gated where ``/verify`` says, counted for
raid safety, and greeted at once or with the others who join in the same burst; a member
who leaves gets a goodbye where ``/welcome goodbye on`` (never a probable raider)."""

from __future__ import annotations

from datetime import timedelta

from townsquare.core.actions import RestrictMember, SendMessage
from townsquare.core.capabilities import Capability
from townsquare.core.events import MemberJoined, MemberLeft
from townsquare.core.features import Context
from townsquare.core.onboarding.common import Services, gate_key
from townsquare.core.onboarding.greeting import greet_one, raid_alert, schedule_flush
from townsquare.core.onboarding.settings import Gate, OnboardingSettings
from townsquare.core.onboarding.specs import GATE_JOB, GOODBYE_TEXT
from townsquare.core.onboarding.store import GateStatus, Newcomer
from townsquare.core.refs import ChannelRef, CommunityRef
from townsquare.core.refusals import refusable
from townsquare.core.roles import Role, resolve_role
from townsquare.core.text import compose


async def joined(services: Services, event: MemberJoined, ctx: Context) -> None:
    community, member = event.community, event.member
    if community is None:
        return
    settings = await ctx.settings(OnboardingSettings, community)
    if member.is_bot and not settings.bots:
        return
    channel = settings.channel or event.channel
    if channel is None or channel.is_direct:
        return
    store = services.store(ctx.tx)
    if await store.newcomer(community.platform, community.id, member.user_id) is not None:
        return  # already here: a second report of this join, or another Slack channel
    seen = services.rate.observe((community.platform, community.id), ctx.now, member.user_id)
    gated = (
        settings.gate is not Gate.OFF
        and not member.is_bot
        and resolve_role(community.platform, member, ctx.managers) < Role.MANAGER
    )
    role = settings.role if ctx.can(Capability.ROLES) else None
    restricting = gated and (role is not None or ctx.can(Capability.RESTRICT))
    greet = settings.welcome or gated
    combine = greet and (
        seen.combine or await store.first_waiting(community.platform, community.id) is not None
    )
    due = None
    if restricting and settings.timeout:
        due = ctx.now + timedelta(seconds=settings.timeout)
    newcomer = Newcomer(
        platform=community.platform,
        community_id=community.id,
        user_id=member.user_id,
        display_name=member.display_name,
        bot=ctx.bot.name,
        channel_id=channel.id,
        thread_id=channel.thread_id,
        joined_at=ctx.now,
        waiting=combine,
        gate=GateStatus.PENDING if gated else None,
        gate_due=due,
    )
    # A greeting that waits is written with the chunk's other joins (add_later: the
    # handler's last step); any other newcomer at once.
    later = combine and not restricting
    if not later:
        await store.add(newcomer)
    if restricting:
        await _hold_at_the_gate(ctx, newcomer, community, channel, role)
    tr = ctx.tr
    if seen.raid_started:
        await raid_alert(services, ctx, community, channel, seen.recent, settings, tr)
    if not greet:
        return
    if combine:
        await schedule_flush(services, ctx, store, community, newcomer.joined_at)
        if later:
            await store.add_later(newcomer)
        return
    state = await store.state(community.platform, community.id)
    state = await greet_one(services, ctx, newcomer, settings, state, community.title, tr)
    await store.save_greetings(state, ctx.now)


async def _hold_at_the_gate(
    ctx: Context,
    newcomer: Newcomer,
    community: CommunityRef,
    channel: ChannelRef,
    role: str | None,
) -> None:
    """Mute (or hold by role) a newcomer until they accept the rules; the gate's deadline
    is a durable job when the community set one."""
    mute = RestrictMember(
        bot=ctx.bot.name,
        community=community,
        user_id=newcomer.user_id,
        channel=channel,
        role_id=role,
    )
    ctx.emit(await refusable(ctx, mute, newcomer.display_name))
    if newcomer.gate_due is not None:
        await ctx.tx.schedule(
            kind=GATE_JOB,
            due_at=newcomer.gate_due,
            platform=community.platform,
            bot=ctx.bot.name,
            payload={"user": newcomer.user_id},
            community_id=community.id,
            channel_id=channel.id,
            key=gate_key(newcomer),
            now=ctx.now,
        )


async def left(services: Services, event: MemberLeft, ctx: Context) -> None:
    community, member = event.community, event.member
    if community is None or event.channel_only:
        return  # left one Slack channel: still a member, no goodbye, never greeted again
    known = await services.store(ctx.tx).remove(community.platform, community.id, member.user_id)
    if known is not None and known.gate is GateStatus.PENDING:
        await ctx.tx.cancel_job(gate_key(known))
    settings = await ctx.settings(OnboardingSettings, community)
    if not settings.goodbye or event.removed or member.is_bot:
        return
    if known is not None and known.gate in (GateStatus.PENDING, GateStatus.REMOVED):
        return  # never accepted the rules: no farewell for a probable raider
    if services.rate.raiding((community.platform, community.id), ctx.now):
        return
    channel = settings.channel or event.channel
    if channel is None or channel.is_direct:
        return
    ctx.emit(
        SendMessage(
            bot=ctx.bot.name,
            channel=channel,
            text=compose(ctx.tr(GOODBYE_TEXT), name=member.display_name),
            silent=True,
        )
    )
