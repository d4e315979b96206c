"""Greeting and onboarding: welcome templates, the rules gate, raid-safe batching, ``/lang``.

* A newcomer (``MemberJoined``; bot accounts only with ``/welcome bots on``, the
  community setting ``welcome_bots``) is greeted once, in the welcome channel: the one set
  with ``/welcome channel here``, else where the join happened (Discord: the system
  channel, or the first writable text channel without one; Slack: the channel joined — a
  Slack ``team_join`` has no channel, so the greeting comes with the first channel joined).
* The text is the community's template (``/welcome set``) or the default sentence in the
  community's language; names and every other user-supplied value stay spans the
  adapters escape. A template that still fails at render time falls back to the default
  and the managers are told once per template.
* Rules gate (``/verify on``): the newcomer is muted (:class:`RestrictMember`; on Discord
  with ``/verify role`` given that role instead of a timeout) until they
  press "I accept the rules" (or type ``/accept`` where there are no buttons); a durable
  job removes them, or leaves them muted, after the timeout. Where the platform cannot
  mute (Slack) the gate is stored as ``verify: tracked``: acceptance is recorded only.
* Raid safety (:mod:`core.onboarding.raid`): beyond ``quiet_joins`` joins in 30 s,
  greetings wait in the database and a job posts one combined greeting per window of at
  most ``batch_window`` ("Welcome Alice, Bob and 37 others"); beyond ``raid_joins`` the
  managers get one alert in their inbox (:func:`core.inbox.managers_inbox`, else the
  channel where the raid happens). Mutes still apply to every newcomer at once.

This class only declares the handlers; each delegates to the module of its job
(:mod:`.arrivals`, :mod:`.greeting`, :mod:`.verification`, :mod:`.community_commands`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from townsquare.core.commands import Invocation
from townsquare.core.events import Event, JobDue, MemberJoined, MemberLeft
from townsquare.core.features import Context, Feature, command, job, on, pressed, subcommand
from townsquare.core.i18n import _
from townsquare.core.onboarding import arrivals, community_commands, greeting, verification
from townsquare.core.onboarding.common import Services, StoreFactory
from townsquare.core.onboarding.gate import AcceptButton
from townsquare.core.onboarding.raid import JoinRate
from townsquare.core.onboarding.settings import OnboardingSettings
from townsquare.core.onboarding.specs import (
    ACCEPT_SPEC,
    DEFAULT_TEMPLATE,
    FLUSH_JOB,
    GATE_JOB,
    LANG_SPEC,
    RULES_SPEC,
    VERIFY_SPEC,
    WELCOME_SPEC,
)
from townsquare.core.privacy import KeepsPersonalData

__all__ = ["DEFAULT_TEMPLATE", "Onboarding"]


class Onboarding(KeepsPersonalData, Feature):
    name = "onboarding"
    settings_models = (OnboardingSettings,)

    def __init__(
        self,
        store: StoreFactory,
        *,
        rate: JoinRate | None = None,
        batch_window: timedelta = timedelta(seconds=5),
    ) -> None:
        self.store = store
        self.rate = rate or JoinRate()
        self.batch_window = batch_window
        self.services = Services(store, self.rate, batch_window)

    # -- a chunk of joins at once ----------------------------------------------------------

    async def prepare(self, events: Sequence[Event], tx: Any) -> None:
        """Whether the chunk's newcomers are known, and since when others wait: read once."""
        joining: dict[tuple[str, str], set[str]] = {}
        for event in events:
            if isinstance(event, MemberJoined) and event.community is not None:
                key = (event.community.platform, event.community.id)
                joining.setdefault(key, set()).add(event.member.user_id)
        if joining:
            await self.store(tx).preload(joining)

    async def finish(self, tx: Any) -> None:
        """The chunk's waiting newcomers, written in one statement."""
        await self.store(tx).flush()

    # -- joins, leaves, greetings and the gate ------------------------------------------------

    @on(MemberJoined)
    async def joined(self, event: MemberJoined, ctx: Context) -> None:
        await arrivals.joined(self.services, event, ctx)

    @on(MemberLeft)
    async def left(self, event: MemberLeft, ctx: Context) -> None:
        await arrivals.left(self.services, event, ctx)

    @job(FLUSH_JOB)
    async def flush(self, event: JobDue, ctx: Context) -> None:
        """Post the greetings that waited: one combined message per channel."""
        await greeting.flush(self.services, event, ctx)

    @job(GATE_JOB)
    async def gate_deadline(self, event: JobDue, ctx: Context) -> None:
        await verification.gate_deadline(self.services, event, ctx)

    @pressed(AcceptButton)
    async def accepted(self, accepted: AcceptButton, ctx: Context) -> None:
        await verification.accept_pressed(self.services, accepted, ctx)

    @command(ACCEPT_SPEC)
    async def accept(self, invocation: Invocation, ctx: Context) -> None:
        await verification.accept_command(self.services, ctx)

    # -- /welcome -----------------------------------------------------------------------------

    @command(WELCOME_SPEC)
    @subcommand("welcome", "show")
    async def welcome(self, invocation: Invocation, ctx: Context) -> None:
        settings = await ctx.settings(OnboardingSettings)
        ctx.respond(community_commands.describe(self.services, ctx, settings, ctx.tr))

    @subcommand("welcome", "preview")
    async def welcome_preview(self, invocation: Invocation, ctx: Context) -> None:
        settings = await ctx.settings(OnboardingSettings)
        shown = await community_commands.preview(
            self.services, ctx, ctx.community, settings, ctx.tr
        )
        ctx.respond(shown)

    @subcommand("welcome", "reset")
    async def welcome_reset(self, invocation: Invocation, ctx: Context) -> None:
        await ctx.update_settings(OnboardingSettings, template=None)
        ctx.respond(ctx.tr(_("The default greeting is back.")))

    @subcommand("welcome", "on")
    async def welcome_on(self, invocation: Invocation, ctx: Context) -> None:
        await ctx.update_settings(OnboardingSettings, welcome=True)
        ctx.respond(ctx.tr(_("Newcomers are greeted.")))

    @subcommand("welcome", "off")
    async def welcome_off(self, invocation: Invocation, ctx: Context) -> None:
        await ctx.update_settings(OnboardingSettings, welcome=False)
        ctx.respond(ctx.tr(_("Newcomers are not greeted.")))

    @subcommand("welcome", "set")
    async def welcome_set(self, invocation: Invocation, ctx: Context) -> None:
        template = str(invocation.args["template"] or "").strip()
        await community_commands.set_template(self.services, ctx, template)

    @subcommand("welcome", "dm")
    async def welcome_dm(self, invocation: Invocation, ctx: Context) -> None:
        await community_commands.set_direct(ctx, str(invocation.args["mode"]))

    @subcommand("welcome", "channel")
    async def welcome_channel(self, invocation: Invocation, ctx: Context) -> None:
        await community_commands.set_channel(ctx, str(invocation.args["where"]))

    @subcommand("welcome", "clean")
    async def welcome_clean(self, invocation: Invocation, ctx: Context) -> None:
        await community_commands.set_flag(
            ctx,
            invocation,
            "clean",
            _("The previous greeting is deleted when a new one is posted."),
            _("Previous greetings stay."),
        )

    @subcommand("welcome", "goodbye")
    async def welcome_goodbye(self, invocation: Invocation, ctx: Context) -> None:
        await community_commands.set_flag(
            ctx,
            invocation,
            "goodbye",
            _("Members who leave get a goodbye."),
            _("No goodbye messages."),
        )

    @subcommand("welcome", "bots")
    async def welcome_bots(self, invocation: Invocation, ctx: Context) -> None:
        await community_commands.set_flag(
            ctx,
            invocation,
            "bots",
            _("Bot accounts are greeted too."),
            _("Bot accounts are not greeted."),
        )

    # -- /verify --------------------------------------------------------------------------------

    @command(VERIFY_SPEC)
    @subcommand("verify", "show")
    async def verify(self, invocation: Invocation, ctx: Context) -> None:
        await verification.show(ctx)

    @subcommand("verify", "on")
    async def verify_on(self, invocation: Invocation, ctx: Context) -> None:
        await verification.turn_on(ctx)

    @subcommand("verify", "off")
    async def verify_off(self, invocation: Invocation, ctx: Context) -> None:
        await verification.turn_off(self.services, ctx)

    @subcommand("verify", "timeout")
    async def verify_timeout(self, invocation: Invocation, ctx: Context) -> None:
        await verification.set_timeout(ctx, str(invocation.args["duration"]))

    @subcommand("verify", "role")
    async def verify_role(self, invocation: Invocation, ctx: Context) -> None:
        await verification.set_role(self.services, ctx, str(invocation.args["role"]))

    @subcommand("verify", "then")
    async def verify_then(self, invocation: Invocation, ctx: Context) -> None:
        await verification.set_then(ctx, str(invocation.args["what"]))

    # -- /rules, /lang ----------------------------------------------------------------------------

    @command(RULES_SPEC)
    @subcommand("rules", "show")
    async def rules(self, invocation: Invocation, ctx: Context) -> None:
        await community_commands.show_rules(ctx)

    @subcommand("rules", "set")
    async def rules_set(self, invocation: Invocation, ctx: Context) -> None:
        await community_commands.set_rules(ctx, str(invocation.args["text"] or "").strip())

    @subcommand("rules", "clear")
    async def rules_clear(self, invocation: Invocation, ctx: Context) -> None:
        await ctx.update_settings(OnboardingSettings, rules=None)
        ctx.respond(ctx.tr(_("Rules removed.")))

    @command(LANG_SPEC)
    async def lang(self, invocation: Invocation, ctx: Context) -> None:
        await community_commands.language(ctx, invocation.args.get("language"))
