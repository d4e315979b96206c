"""``/escalation`` and ``/escalation set``: a community's report, warning and case rules."""

from __future__ import annotations

from townsquare.core.commands import Invocation
from townsquare.core.escalation.common import Services, audit
from townsquare.core.escalation.policy import POLICY_KEYS, SETTING, PolicyError
from townsquare.core.features import Context
from townsquare.core.i18n import _
from townsquare.core.text import bold, compose, lines


async def rules_command(services: Services, invocation: Invocation, ctx: Context) -> None:
    tr = await ctx.translator()
    community = ctx.event.community
    if community is None:
        ctx.respond(tr(_("Use this in a community chat.")))
        return
    settings = await ctx.tx.settings(community)
    stored = dict(settings.get(SETTING) or {})
    if invocation.path[1:] == ("set",):
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
        await ctx.tx.set_setting(community, SETTING, stored, ctx.now)
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
    policy = services.policy.with_overrides(stored)
    entries = [
        compose("{key}: {value}", key=bold(key), value=value)
        for key, value in policy.describe().items()
    ]
    ctx.respond(lines(bold(tr(_("Escalation rules:"))), *entries))
