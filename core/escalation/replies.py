"""The reply commands of moderation: ``/warn``, ``/mute``, ``/unmute`` and ``/warnings``
answer a reply to a member's message, on its own platform."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal, assert_never

from townsquare.core.escalation.common import Refused, Services, clean, not_a_duration
from townsquare.core.escalation.durations import parse_duration
from townsquare.core.escalation.moderation import Order, Origin, mute, unmute, warn
from townsquare.core.events import CommandIssued
from townsquare.core.features import Context
from townsquare.core.i18n import _
from townsquare.core.refs import Actor
from townsquare.core.roles import resolve_role
from townsquare.core.text import bold, compose, lines

ReplyJob = Literal["warn", "mute", "unmute"]


def _target(services: Services, ctx: Context) -> Actor | None:
    event = ctx.event
    assert isinstance(event, CommandIssued)
    return event.reply_to_author or services.author_of(event.bot, event.reply_to)


async def moderate_reply(
    services: Services,
    ctx: Context,
    job: ReplyJob,
    reason: str | None = None,
    duration: timedelta | None = None,
) -> None:
    """Run ``job`` on the author of the replied-to message (and its case, if it has one)."""
    event = ctx.event
    assert isinstance(event, CommandIssued)
    tr = ctx.tr
    target, actor = _target(services, ctx), event.actor
    community, channel = event.community, event.channel
    if community is None or channel is None or actor is None:
        ctx.respond(tr(_("Use this in a community chat.")))
        return
    if target is None:
        ctx.respond(tr(_("I do not know who wrote that message; reply to a newer one.")))
        return
    store = services.store(ctx.tx)
    policy = await services.policy_of(ctx, community)
    case = None
    if event.reply_to is not None:
        case = await store.case_for_message(
            community.platform,
            community.id,
            event.reply_to.channel.id,
            event.reply_to.message_id,
        )
    order = Order(
        origin=Origin(ctx.bot.name, community, channel),
        target=target,
        target_role=resolve_role(event.platform, target, ctx.managers),
        actor=actor,
        actor_role=ctx.role,
        case=case,
    )
    try:  # the public notice tells everyone, the member included, what happened and why
        match job:
            case "warn":
                await warn(ctx, services.ledger(ctx), policy, order, reason)
            case "mute":
                await mute(ctx, store, order, duration or policy.mute_duration, reason)
            case "unmute":
                await unmute(ctx, store, order)
            case _:
                assert_never(job)
    except Refused as refusal:
        ctx.respond(refusal.text)


async def mute_command(services: Services, ctx: Context, raw: str, reason: object) -> None:
    tr = ctx.tr
    duration = parse_duration(raw)
    if duration is None:
        ctx.respond(not_a_duration(tr, raw))
        return
    await moderate_reply(services, ctx, "mute", clean(reason), duration)


async def warnings_command(services: Services, ctx: Context) -> None:
    tr = ctx.tr
    event = ctx.event
    target, community = _target(services, ctx), event.community
    if target is None or community is None:
        ctx.respond(tr(_("I do not know who wrote that message; reply to a newer one.")))
        return
    active = await services.ledger(ctx).active(ctx, ctx.bot.name, community, target)
    head = compose(
        tr.plural(
            _("{member} has {n} active warning"),
            _("{member} has {n} active warnings"),
            len(active),
            member="{member}",
        ),
        member=bold(target.display_name),
    )
    entries = [
        compose(
            tr(_("{reason} (by {manager}, until {time})")),
            reason=record.reason or tr(_("no reason given")),
            manager=record.issued_by_name,
            time=tr.moment(record.expires_at, with_time=False),
        )
        for record in active
    ]
    ctx.respond(lines(head, *entries))
