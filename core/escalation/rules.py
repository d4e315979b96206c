"""``/escalation`` and ``/escalation set``: a community's report, warning and case rules."""

from __future__ import annotations

from townsquare.core.commands import Invocation
from townsquare.core.escalation.common import Services, audit
from townsquare.core.escalation.policy import POLICY_KEYS, EscalationSettings, PolicyError
from townsquare.core.features import Context
from townsquare.core.i18n import _
from townsquare.core.text import bold, compose, lines


async def show(services: Services, ctx: Context) -> None:
    """``/escalation``: the rules in force here."""
    stored = (await ctx.settings(EscalationSettings)).rules or {}
    policy = services.policy.with_overrides(stored)
    entries = [
        compose("{key}: {value}", key=bold(key), value=value)
        for key, value in policy.describe().items()
    ]
    ctx.respond(lines(bold(ctx.tr(_("Escalation rules:"))), *entries))


async def set_rule(services: Services, invocation: Invocation, ctx: Context) -> None:
    """``/escalation set <key> <value>``, then the rules as ``/escalation`` shows them."""
    tr, community = ctx.tr, ctx.community
    stored = dict((await ctx.settings(EscalationSettings)).rules or {})
    key = str(invocation.args.get("key") or "").lower()
    value = str(invocation.args.get("value") or "").strip()
    try:
        services.policy.with_overrides(stored).updated(key, value)
    except PolicyError as error:
        ctx.respond(
            tr(_("Not changed: {problem}"), problem=tr(error.template, **error.values))
            + "\n"
            + tr(_("Keys: {keys}"), keys=", ".join(POLICY_KEYS))
        )
        return
    stored[key] = value
    await ctx.update_settings(EscalationSettings, rules=stored)
    if ctx.event.actor is not None:
        await audit(
            services.store(ctx.tx),
            ctx,
            None,
            ctx.event.actor,
            "rule",
            community=community,
            note=f"{key}={value}",
        )
    await show(services, ctx)
