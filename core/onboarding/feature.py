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
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from townsquare.core.actions import (
    Button,
    ButtonRows,
    ButtonStyle,
    DeleteMessage,
    RemoveMember,
    RestrictMember,
    SendDirect,
    SendMessage,
    UnrestrictMember,
)
from townsquare.core.capabilities import Capability
from townsquare.core.commands import OUTSIDE_COMMUNITY, CommandSpec, Invocation, Param
from townsquare.core.events import Event, JobDue, MemberJoined, MemberLeft
from townsquare.core.facts.onboarding import MemberGreeted, MemberVerified
from townsquare.core.features import Context, Feature, command, job, on, pressed, subcommand
from townsquare.core.i18n import LANGUAGES, Translator, _, translator
from townsquare.core.inbox import managers_inbox
from townsquare.core.onboarding import gate as gates
from townsquare.core.onboarding.gate import AcceptButton, accept_data
from townsquare.core.onboarding.raid import JoinRate
from townsquare.core.onboarding.settings import DirectMode, Gate, OnboardingSettings, Then
from townsquare.core.onboarding.store import CommunityState, GateStatus, Newcomer, OnboardingStore
from townsquare.core.onboarding.templates import TemplateError, render, validate, variables
from townsquare.core.refs import Actor, ChannelRef, CommunityRef
from townsquare.core.refusals import refusable
from townsquare.core.roles import Role, resolve_role
from townsquare.core.settings import Language
from townsquare.core.text import Text, TextLike, bold, code, compose, lines

log = logging.getLogger(__name__)

StoreFactory = Callable[[Any], OnboardingStore]
FLUSH_JOB = "onboarding.greet"
GATE_JOB = "onboarding.gate"
MAX_RULES = 3000
LANGUAGE_NAMES = {"en": "English", "it": "Italiano", "ru": "Русский"}

DEFAULT_TEMPLATE = _("Welcome to {community}, {mention}!")
GOODBYE_TEXT = _("Goodbye, {name}.")
ACCEPT_LABEL = _("I accept the rules")
NOT_FOR_YOU = _("This button is not for you.")

ON_OFF = ("on", "off")
_ROLE = re.compile(r"<@&(\d{1,20})>|(\d{1,20})")


def _switch(name: str, summary: str) -> CommandSpec:
    return CommandSpec(name, summary, Role.MANAGER, params=(Param("state", "on|off"),))


WELCOME_SPEC = CommandSpec(
    "welcome",
    _("Greetings for newcomers"),
    role=Role.MANAGER,
    needs_community=True,
    subcommands=(
        CommandSpec(
            "set",
            _("Set the greeting: {name} {mention} {community} {member_count} {rules}"),
            Role.MANAGER,
            params=(Param("template", _("the greeting text"), rest=True),),
        ),
        CommandSpec("show", _("Show the greeting settings"), Role.MANAGER),
        CommandSpec("preview", _("Show the greeting as you would get it"), Role.MANAGER),
        CommandSpec("reset", _("Go back to the default greeting"), Role.MANAGER),
        CommandSpec("on", _("Greet newcomers"), Role.MANAGER),
        CommandSpec("off", _("Stop greeting newcomers"), Role.MANAGER),
        CommandSpec(
            "dm",
            _("Also (on) or only (only) greet privately, or not (off)"),
            Role.MANAGER,
            params=(Param("mode", "on|only|off"),),
        ),
        _switch("clean", _("Delete the previous greeting when posting a new one")),
        _switch("goodbye", _("Say goodbye when a member leaves")),
        _switch("bots", _("Greet bot accounts too")),
        CommandSpec(
            "channel",
            _("Greet in this channel (here) or where members join (default)"),
            Role.MANAGER,
            params=(Param("where", "here|default"),),
        ),
    ),
)
RULES_SPEC = CommandSpec(
    "rules",
    _("Show the community rules"),
    needs_community=True,
    subcommands=(
        CommandSpec("show", _("Show the community rules")),
        CommandSpec(
            "set",
            _("Set the community rules"),
            Role.MANAGER,
            params=(Param("text", _("the rules"), rest=True),),
        ),
        CommandSpec("clear", _("Remove the community rules"), Role.MANAGER),
    ),
)
VERIFY_SPEC = CommandSpec(
    "verify",
    _("Newcomers must accept the rules before writing"),
    role=Role.MANAGER,
    needs_community=True,
    subcommands=(
        CommandSpec("show", _("Show the verification settings"), Role.MANAGER),
        CommandSpec("on", _("Mute newcomers until they accept the rules"), Role.MANAGER),
        CommandSpec("off", _("Let newcomers write at once"), Role.MANAGER),
        CommandSpec(
            "timeout",
            _("Time to accept the rules: 10m, 1h, 1d... or off"),
            Role.MANAGER,
            params=(Param("duration", "10m|1h|off"),),
        ),
        CommandSpec(
            "then",
            _("After the timeout: remove the newcomer, or leave them muted (stay)"),
            Role.MANAGER,
            params=(Param("what", "remove|stay"),),
        ),
        CommandSpec(
            "role",
            _("Discord: give newcomers this role instead of a timeout until they accept (or off)"),
            Role.MANAGER,
            params=(Param("role", "@role|off"),),
        ),
    ),
)
ACCEPT_ELSEWHERE = _("Use /accept in the community whose rules you accept.")
ACCEPT_SPEC = CommandSpec(
    "accept", _("Accept the community rules"), needs_community=True, elsewhere=ACCEPT_ELSEWHERE
)
LANG_SPEC = CommandSpec(
    "lang",
    _("Show or change the bot's language: en, it, ru"),
    role=Role.MANAGER,
    params=(Param("language", "en|it|ru", required=False),),
)


class Onboarding(Feature):
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

    # -- joins and leaves -------------------------------------------------------------------

    @on(MemberJoined)
    async def joined(self, event: MemberJoined, ctx: Context) -> None:
        community, member = event.community, event.member
        if community is None:
            return
        settings = await ctx.settings(OnboardingSettings, community)
        if member.is_bot and not settings.bots:
            return
        channel = settings.channel or event.channel
        if channel is None or channel.is_direct:
            return
        store = self.store(ctx.tx)
        if await store.newcomer(community.platform, community.id, member.user_id) is not None:
            return  # already here: a second report of this join, or another Slack channel
        seen = self.rate.observe((community.platform, community.id), ctx.now, member.user_id)
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
            mute = RestrictMember(
                bot=ctx.bot.name,
                community=community,
                user_id=member.user_id,
                channel=channel,
                role_id=role,
            )
            ctx.emit(await refusable(ctx, mute, member.display_name))
            if due is not None:
                await ctx.tx.schedule(
                    kind=GATE_JOB,
                    due_at=due,
                    platform=community.platform,
                    bot=ctx.bot.name,
                    payload={"user": member.user_id},
                    community_id=community.id,
                    channel_id=channel.id,
                    key=_gate_key(newcomer),
                    now=ctx.now,
                )
        tr = ctx.tr
        if seen.raid_started:
            await self._raid_alert(ctx, community, channel, seen.recent, settings, tr)
        if not greet:
            return
        if combine:
            await self._schedule_flush(ctx, store, community, newcomer.joined_at)
            if later:
                await store.add_later(newcomer)
            return
        state = await store.state(community.platform, community.id)
        state = await self._greet_one(ctx, newcomer, settings, state, community.title, tr)
        await store.save_greetings(state, ctx.now)

    @on(MemberLeft)
    async def left(self, event: MemberLeft, ctx: Context) -> None:
        community, member = event.community, event.member
        if community is None or event.channel_only:
            return  # left one Slack channel: still a member, no goodbye, never greeted again
        known = await self.store(ctx.tx).remove(community.platform, community.id, member.user_id)
        if known is not None and known.gate is GateStatus.PENDING:
            await ctx.tx.cancel_job(_gate_key(known))
        settings = await ctx.settings(OnboardingSettings, community)
        if not settings.goodbye or event.removed or member.is_bot:
            return
        if known is not None and known.gate in (GateStatus.PENDING, GateStatus.REMOVED):
            return  # never accepted the rules: no farewell for a probable raider
        if self.rate.raiding((community.platform, community.id), ctx.now):
            return
        channel = settings.channel or event.channel
        if channel is None or channel.is_direct:
            return
        tr = ctx.tr
        ctx.emit(
            SendMessage(
                bot=ctx.bot.name,
                channel=channel,
                text=compose(tr(GOODBYE_TEXT), name=member.display_name),
                silent=True,
            )
        )

    @job(FLUSH_JOB)
    async def flush(self, event: JobDue, ctx: Context) -> None:
        """Post the greetings that waited: one combined message per channel."""
        community = event.community
        if community is None:
            return
        store = self.store(ctx.tx)
        waiting = await store.waiting(community.platform, community.id)
        if not waiting:
            return
        settings = await ctx.settings(OnboardingSettings, community)
        tr = ctx.tr
        title = str(event.payload.get("title") or "")
        state = await store.state(community.platform, community.id)
        groups: dict[tuple[str, str, str | None], list[Newcomer]] = {}
        for newcomer in waiting:
            groups.setdefault((newcomer.bot, newcomer.channel_id, newcomer.thread_id), []).append(
                newcomer
            )
        for (bot, channel_id, thread_id), members in groups.items():
            if bot not in ctx.bots:
                log.warning("greetings for bot %s dropped: it is not running", bot)
                continue
            if len(members) == 1:
                state = await self._greet_one(ctx, members[0], settings, state, title, tr)
                continue
            text = await self._greeting(
                ctx, community, members, settings, title, tr, ChannelRef(channel_id, thread_id)
            )
            gated = any(member.gate is GateStatus.PENDING for member in members)
            buttons = _accept_buttons(tr, None) if gated else ()
            where = ChannelRef(channel_id, thread_id)
            state = self._post(ctx, bot, where, text, buttons, state, settings, combined=True)
            for member in members:
                ctx.publish(_greeted(ctx, member, combined=True))
        await store.greeted(
            community.platform, community.id, [member.user_id for member in waiting], ctx.now
        )
        await store.save_greetings(state, ctx.now)

    @job(GATE_JOB)
    async def gate_deadline(self, event: JobDue, ctx: Context) -> None:
        community = event.community
        user_id = str(event.payload.get("user", ""))
        if community is None or not user_id:
            return
        store = self.store(ctx.tx)
        known = await store.newcomer(community.platform, community.id, user_id)
        if known is None or known.gate is not GateStatus.PENDING:
            return
        settings = await ctx.settings(OnboardingSettings, community)
        if settings.then is Then.STAY:
            await store.decide(
                community.platform, community.id, user_id, GateStatus.EXPIRED, ctx.now
            )
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

    # -- accepting the rules ----------------------------------------------------------------

    @pressed(AcceptButton)
    async def accepted(self, accepted: AcceptButton, ctx: Context) -> None:
        event = ctx.press
        if event.actor is None:
            return
        tr = ctx.tr
        if accepted.user_id is not None and accepted.user_id != event.actor.user_id:
            ctx.answer(tr(NOT_FOR_YOU))
            return
        community_id = accepted.community_id or (event.community.id if event.community else None)
        if community_id is None:
            ctx.answer(tr(_("There is nothing for you to accept.")))
            return
        outcome = await self._accept(ctx, _platform_of(event), community_id, event.actor)
        if outcome is None:
            ctx.answer(
                tr(
                    NOT_FOR_YOU
                    if accepted.user_id is None
                    else _("There is nothing for you to accept.")
                )
            )
            return
        ctx.answer(tr(outcome))

    @command(ACCEPT_SPEC)
    async def accept(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        event = ctx.event
        if event.community is None or event.actor is None:
            ctx.respond(tr(ACCEPT_ELSEWHERE))
            return
        outcome = await self._accept(ctx, event.community.platform, event.community.id, event.actor)
        ctx.respond(tr(outcome or _("There is nothing for you to accept.")))

    async def _accept(
        self, ctx: Context, platform: str, community_id: str, actor: Actor
    ) -> str | None:
        """Accept for ``actor``; the (untranslated) answer, or None if nothing was pending."""
        store = self.store(ctx.tx)
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
            await ctx.tx.cancel_job(_gate_key(newcomer))
            released |= await self._release(ctx, newcomer, settings.role)
        ctx.publish(
            MemberVerified(
                platform=platform, community_id=community_id, at=ctx.now, user_id=actor.user_id
            )
        )
        if released:
            return _("Thank you! You can write now.")
        return _("Thank you for accepting the rules.")

    async def _release(self, ctx: Context, newcomer: Newcomer, role: str | None) -> bool:
        """Lift the mute of a gated newcomer, or take the gate's ``role`` away (if the
        platform applied one)."""
        return await self._gate_action(ctx, newcomer, role, restrict=False)

    async def _gate_action(
        self, ctx: Context, newcomer: Newcomer, role: str | None, *, restrict: bool
    ) -> bool:
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

    # -- greeting ---------------------------------------------------------------------------

    async def _greet_one(
        self,
        ctx: Context,
        newcomer: Newcomer,
        settings: OnboardingSettings,
        state: CommunityState,
        title: str,
        tr: Translator,
    ) -> CommunityState:
        """One member's greeting: in the channel and/or privately, per ``/welcome dm``."""
        community = CommunityRef(newcomer.platform, newcomer.community_id, title)
        channel = ChannelRef(newcomer.channel_id, newcomer.thread_id)
        text = await self._greeting(ctx, community, [newcomer], settings, title, tr, channel)
        ctx.publish(_greeted(ctx, newcomer))
        gated = newcomer.gate is GateStatus.PENDING
        info = ctx.bots.get(newcomer.bot)
        can_dm = info is not None and Capability.DIRECT_MESSAGES in info.capabilities
        private = settings.dm is not DirectMode.OFF and can_dm and settings.welcome
        if private:
            only = settings.dm is DirectMode.ONLY
            ctx.emit(
                SendDirect(
                    bot=newcomer.bot,
                    user_id=newcomer.user_id,
                    display_name=newcomer.display_name,
                    text=text,
                    buttons=_accept_buttons(tr, newcomer, private=True) if gated and only else (),
                    fallback_channel=channel if only else None,
                )
            )
            if only:
                return state
        buttons = _accept_buttons(tr, newcomer) if gated else ()
        return self._post(ctx, newcomer.bot, channel, text, buttons, state, settings)

    def _post(
        self,
        ctx: Context,
        bot: str,
        channel: ChannelRef,
        text: Text,
        buttons: ButtonRows,
        state: CommunityState,
        settings: OnboardingSettings,
        *,
        combined: bool = False,
    ) -> CommunityState:
        """Post a greeting under a numbered key; with ``/welcome clean on`` delete the last.

        Combined greetings are silent (no notification sound): raids are noisy enough."""
        if settings.clean and state.last_greeting_key and state.last_greeting_bot in ctx.bots:
            assert state.last_greeting_bot is not None
            ctx.emit(DeleteMessage(bot=state.last_greeting_bot, key=state.last_greeting_key))
        number = state.greetings + 1
        key = f"onb:{state.platform}:{state.community_id}:{number}"[:128]
        ctx.emit(
            SendMessage(
                bot=bot, channel=channel, text=text, buttons=buttons, key=key, silent=combined
            )
        )
        return CommunityState(
            platform=state.platform,
            community_id=state.community_id,
            greetings=number,
            last_greeting_bot=bot,
            last_greeting_key=key,
        )

    async def _greeting(
        self,
        ctx: Context,
        community: CommunityRef,
        members: Sequence[Newcomer | Actor],
        settings: OnboardingSettings,
        title: str,
        tr: Translator,
        where: ChannelRef | None,
    ) -> Text:
        """The greeting text for ``members`` (one, or a combined greeting of several);
        ``where`` it goes is where managers hear of a broken template without an inbox."""
        values = variables(
            [(m.user_id, m.display_name) for m in members],
            community=title or tr(_("our community")),
            member_count=await ctx.tx.member_count(community),
            rules=settings.rules or tr(_("(no rules yet)")),
            tr=tr,
        )
        text: Text | None = None
        template = settings.template
        if template is not None and settings.welcome:
            try:
                text = render(template, values)
            except TemplateError as error:
                await self._template_failed(ctx, community, template, error, tr, where)
        if text is None:
            if settings.welcome:
                text = _render_default(tr(DEFAULT_TEMPLATE), values)
            else:  # the gate alone: no welcome, just what to do
                text = compose("{mention}", mention=values["mention"])
        gated = any(isinstance(m, Newcomer) and m.gate is GateStatus.PENDING for m in members)
        if gated or (isinstance(members[0], Actor) and settings.gate is not Gate.OFF):
            tracked = settings.gate is Gate.TRACKED
            note = (
                _("Please read the rules and accept them.")
                if tracked
                else _("Please read the rules and accept them to start writing.")
            )
            text = lines(text, "", tr(note))
            if settings.rules and "{rules}" not in (template or ""):
                text = lines(text, "", bold(tr(_("Rules:"))), settings.rules)
        return text

    async def _template_failed(
        self,
        ctx: Context,
        community: CommunityRef,
        template: str,
        error: TemplateError,
        tr: Translator,
        where: ChannelRef | None,
    ) -> None:
        """Tell the managers once per broken template; the default greeting is used."""
        store = self.store(ctx.tx)
        if not await store.mark_broken(community.platform, community.id, template, ctx.now):
            return
        text = compose(
            tr(
                _(
                    "The welcome template cannot be used: {reason} The default greeting was "
                    "sent instead; fix it with {command}."
                )
            ),
            reason=error.explain(tr),
            command=code("/welcome set"),
        )
        await self._to_managers(ctx, community, where, text)

    async def _schedule_flush(
        self, ctx: Context, store: OnboardingStore, community: CommunityRef, joined: datetime
    ) -> None:
        """(Re)schedule the combined greeting: due one batch window after the oldest
        waiting join (``joined``: this one, perhaps not stored yet), so a stream of joins
        cannot postpone it; once per transaction for the same oldest join."""
        waiting = await store.first_waiting(community.platform, community.id)
        oldest = min(waiting, joined) if waiting is not None else joined
        key = _job_key(FLUSH_JOB, community.platform, community.id, oldest)
        if not store.once(key):
            return
        await ctx.tx.schedule(
            kind=FLUSH_JOB,
            due_at=oldest + self.batch_window,
            platform=community.platform,
            bot=ctx.bot.name,
            payload={"title": community.title},
            community_id=community.id,
            key=key,
            now=ctx.now,
        )

    async def _raid_alert(
        self,
        ctx: Context,
        community: CommunityRef,
        channel: ChannelRef,
        recent: int,
        settings: OnboardingSettings,
        tr: Translator,
    ) -> None:
        seconds = int(self.rate.window.total_seconds())
        head = tr.plural(
            _("⚠️ Join raid in {community}: {n} newcomer in the last {seconds} seconds."),
            _("⚠️ Join raid in {community}: {n} newcomers in the last {seconds} seconds."),
            recent,
            community="{community}",
            seconds=seconds,
        )
        parts: list[TextLike] = [
            compose(head, community=bold(community.title or tr(_("our community")))),
            tr(
                _(
                    "Greetings are combined into one message every {seconds} seconds until it "
                    "calms down."
                ),
                seconds=int(self.batch_window.total_seconds()),
            ),
        ]
        if settings.gate is Gate.OFF:
            parts.append(
                compose(
                    tr(_("To mute newcomers until they accept the rules: {command}")),
                    command=code("/verify on"),
                )
            )
        await self._to_managers(ctx, community, channel, lines(*parts))

    async def _to_managers(
        self, ctx: Context, community: CommunityRef, fallback: ChannelRef | None, text: Text
    ) -> None:
        """The managers' inbox (:mod:`core.inbox`), else the channel where it happened."""
        inbox = await managers_inbox(ctx, community)
        if inbox is not None:
            ctx.emit(SendMessage(bot=inbox.bot, channel=inbox.channel, text=text))
        elif fallback is not None and not fallback.is_direct:
            ctx.emit(SendMessage(bot=ctx.bot.name, channel=fallback, text=text))
        else:
            log.warning("managers of %s could not be told: no inbox, no channel", community.id)

    # -- commands -----------------------------------------------------------------------------

    @command(WELCOME_SPEC)
    @subcommand("welcome", "show")
    async def welcome(self, invocation: Invocation, ctx: Context) -> None:
        settings = await ctx.settings(OnboardingSettings)
        ctx.respond(self._describe(ctx, settings, ctx.tr))

    @subcommand("welcome", "preview")
    async def welcome_preview(self, invocation: Invocation, ctx: Context) -> None:
        settings = await ctx.settings(OnboardingSettings)
        ctx.respond(await self._preview(ctx, ctx.community, settings, ctx.tr))

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
        tr, community = ctx.tr, ctx.community
        template = str(invocation.args["template"] or "").strip()
        try:
            validate(template)
        except TemplateError as error:
            ctx.respond(
                lines(
                    tr(_("This template cannot be used: {reason}"), reason=error.explain(tr)),
                    compose(
                        tr(_("Example: {example}")),
                        example=code("/welcome set Hi {mention}, welcome to {community}!"),
                    ),
                )
            )
            return
        await ctx.update_settings(OnboardingSettings, template=template)
        settings = await ctx.settings(OnboardingSettings)
        ctx.respond(
            lines(
                bold(tr(_("Greeting saved. Preview:"))),
                await self._preview(ctx, community, settings, tr),
            )
        )

    async def _preview(
        self, ctx: Context, community: CommunityRef, settings: OnboardingSettings, tr: Translator
    ) -> Text:
        actor = ctx.event.actor
        assert actor is not None
        return await self._greeting(
            ctx, community, [actor], settings, community.title, tr, ctx.event.channel
        )

    @subcommand("welcome", "dm")
    async def welcome_dm(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        chosen = {
            "on": DirectMode.ALSO,
            "also": DirectMode.ALSO,
            "only": DirectMode.ONLY,
            "off": DirectMode.OFF,
        }.get(str(invocation.args["mode"]).lower())
        if chosen is None:
            ctx.respond(tr(_("Choose on, only or off.")))
            return
        await ctx.update_settings(OnboardingSettings, dm=chosen)
        answers = {
            DirectMode.ALSO: _("Newcomers are greeted in the channel and privately."),
            DirectMode.ONLY: _(
                "Newcomers are greeted privately (in the channel when the platform refuses)."
            ),
            DirectMode.OFF: _("Newcomers are greeted in the channel only."),
        }
        reply = tr(answers[chosen])
        if chosen is not DirectMode.OFF and not ctx.can(Capability.DIRECT_MESSAGES):
            reply += " " + tr(_("This platform has no private messages, so the channel is used."))
        ctx.respond(reply)

    @subcommand("welcome", "channel")
    async def welcome_channel(self, invocation: Invocation, ctx: Context) -> None:
        tr, where = ctx.tr, str(invocation.args["where"]).lower()
        channel = ctx.event.channel
        if where == "here" and channel is not None and not channel.is_direct:
            await ctx.update_settings(OnboardingSettings, channel=channel)
            ctx.respond(tr(_("Newcomers are greeted in this channel.")))
        elif where == "default":
            await ctx.update_settings(OnboardingSettings, channel=None)
            ctx.respond(tr(_("Newcomers are greeted where they join.")))
        else:
            ctx.respond(tr(_("Choose here (in a channel of the community) or default.")))

    @subcommand("welcome", "clean")
    async def welcome_clean(self, invocation: Invocation, ctx: Context) -> None:
        await _set_flag(
            ctx,
            invocation,
            "clean",
            _("The previous greeting is deleted when a new one is posted."),
            _("Previous greetings stay."),
        )

    @subcommand("welcome", "goodbye")
    async def welcome_goodbye(self, invocation: Invocation, ctx: Context) -> None:
        await _set_flag(
            ctx,
            invocation,
            "goodbye",
            _("Members who leave get a goodbye."),
            _("No goodbye messages."),
        )

    @subcommand("welcome", "bots")
    async def welcome_bots(self, invocation: Invocation, ctx: Context) -> None:
        await _set_flag(
            ctx,
            invocation,
            "bots",
            _("Bot accounts are greeted too."),
            _("Bot accounts are not greeted."),
        )

    def _describe(self, ctx: Context, settings: OnboardingSettings, tr: Translator) -> Text:
        def state(value: bool) -> str:
            return tr(_("on")) if value else tr(_("off"))

        dm = {
            DirectMode.OFF: _("off"),
            DirectMode.ALSO: _("in the channel and privately"),
            DirectMode.ONLY: _("privately instead of the channel"),
        }[settings.dm]
        where: TextLike = (
            compose(tr(_("channel {id}")), id=code(settings.channel.id))
            if settings.channel
            else tr(_("where members join"))
        )
        template: TextLike = (
            code(settings.template)
            if settings.template
            else tr(_("default ({text})"), text=tr(DEFAULT_TEMPLATE))
        )
        entries: list[TextLike] = [
            bold(tr(_("Greetings"))),
            compose(tr(_("Greeting: {state}")), state=state(settings.welcome)),
            compose(tr(_("Template: {text}")), text=template),
            compose(tr(_("Where: {where}")), where=where),
            compose(tr(_("Private greeting: {state}")), state=tr(dm)),
            compose(tr(_("Delete the previous greeting: {state}")), state=state(settings.clean)),
            compose(tr(_("Goodbye messages: {state}")), state=state(settings.goodbye)),
            compose(tr(_("Greet bot accounts: {state}")), state=state(settings.bots)),
            *self._verify_lines(ctx, settings, tr),
            tr(
                _(
                    "Raid safety: above {quiet} joins in {seconds} seconds greetings are "
                    "combined; above {raid} managers are alerted."
                ),
                quiet=self.rate.quiet_joins,
                seconds=int(self.rate.window.total_seconds()),
                raid=self.rate.raid_joins,
            ),
        ]
        return lines(*entries)

    def _verify_lines(
        self, ctx: Context, settings: OnboardingSettings, tr: Translator
    ) -> list[TextLike]:
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
            result.append(
                tr(_("Verification: on (newcomers are muted until they accept the rules)"))
            )
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

    @command(VERIFY_SPEC)
    @subcommand("verify", "show")
    async def verify(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        settings = await ctx.settings(OnboardingSettings)
        shown: list[TextLike] = self._verify_lines(ctx, settings, tr)
        if settings.gate is not Gate.OFF and settings.rules is None:
            shown.append(
                compose(
                    tr(_("Set the rules newcomers accept with {command}.")),
                    command=code("/rules set"),
                )
            )
        ctx.respond(lines(*shown))

    @subcommand("verify", "on")
    async def verify_on(self, invocation: Invocation, ctx: Context) -> None:
        chosen = Gate.ON if ctx.can(Capability.RESTRICT) else Gate.TRACKED
        await ctx.update_settings(OnboardingSettings, gate=chosen)
        await self.verify(invocation, ctx)

    @subcommand("verify", "off")
    async def verify_off(self, invocation: Invocation, ctx: Context) -> None:
        await ctx.update_settings(OnboardingSettings, gate=Gate.OFF)
        released = await self._release_all(ctx, ctx.community)
        if not released:
            await self.verify(invocation, ctx)
            return
        ctx.respond(
            ctx.tr.plural(
                _("Verification is off; {n} newcomer waiting was let in."),
                _("Verification is off; {n} newcomers waiting were let in."),
                released,
            )
        )

    @subcommand("verify", "timeout")
    async def verify_timeout(self, invocation: Invocation, ctx: Context) -> None:
        text = str(invocation.args["duration"]).strip().lower()
        if text in ("off", "0", "never"):
            await ctx.update_settings(OnboardingSettings, timeout=0)
        else:
            duration = gates.parse_timeout(text)
            if duration is None:
                ctx.respond(ctx.tr(_("Give a time between 1m and 7d, like 10m, 2h or 1d, or off.")))
                return
            seconds = int(duration.total_seconds())
            await ctx.update_settings(OnboardingSettings, timeout=seconds)
        await self.verify(invocation, ctx)

    @subcommand("verify", "role")
    async def verify_role(self, invocation: Invocation, ctx: Context) -> None:
        if await self._set_role(ctx, ctx.community, str(invocation.args["role"]), ctx.tr):
            await self.verify(invocation, ctx)

    @subcommand("verify", "then")
    async def verify_then(self, invocation: Invocation, ctx: Context) -> None:
        what = str(invocation.args["what"]).strip().lower()
        if what not in (Then.REMOVE.value, Then.STAY.value):
            ctx.respond(ctx.tr(_("Choose remove or stay.")))
            return
        await ctx.update_settings(OnboardingSettings, then=Then(what))
        await self.verify(invocation, ctx)

    async def _release_all(self, ctx: Context, community: CommunityRef) -> int:
        store = self.store(ctx.tx)
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
            await ctx.tx.cancel_job(_gate_key(newcomer))
            await self._release(ctx, newcomer, role)
        return len(pending)

    async def _set_role(
        self, ctx: Context, community: CommunityRef, text: str, tr: Translator
    ) -> bool:
        """``/verify role <@role|id|off>``; newcomers already waiting switch over at once
        (the old role or mute lifted, the new one applied), so nobody keeps a stale one."""
        if not ctx.can(Capability.ROLES):
            ctx.respond(tr(_("This platform has no roles to give: newcomers are muted instead.")))
            return False
        text = text.strip()
        if text.lower() in ("off", "none", "timeout"):
            role = None
        else:
            match = _ROLE.fullmatch(text)
            if match is None:
                ctx.respond(tr(_("Name the role as a mention (@Role) or by its id, or off.")))
                return False
            role = match.group(1) or match.group(2)
        old = (await ctx.settings(OnboardingSettings, community)).role
        await ctx.update_settings(OnboardingSettings, community, role=role)
        if role != old:
            store = self.store(ctx.tx)
            for newcomer in await store.pending_gates(community.platform, community.id):
                await self._gate_action(ctx, newcomer, old, restrict=False)
                await self._gate_action(ctx, newcomer, role, restrict=True)
        return True

    @command(RULES_SPEC)
    @subcommand("rules", "show")
    async def rules(self, invocation: Invocation, ctx: Context) -> None:
        tr, community = ctx.tr, ctx.community
        settings = await ctx.settings(OnboardingSettings)
        if settings.rules is None:
            ctx.respond(tr(_("There are no rules yet.")))
            return
        title = bold(community.title or tr(_("our community")))
        ctx.respond(lines(compose(tr(_("Rules of {community}:")), community=title), settings.rules))

    @subcommand("rules", "set")
    async def rules_set(self, invocation: Invocation, ctx: Context) -> None:
        text = str(invocation.args["text"] or "").strip()
        if len(text) > MAX_RULES:
            ctx.respond(ctx.tr(_("The rules are too long: at most {n} characters."), n=MAX_RULES))
            return
        await ctx.update_settings(OnboardingSettings, rules=text)
        ctx.respond(ctx.tr(_("Rules saved. Members see them with /rules.")))

    @subcommand("rules", "clear")
    async def rules_clear(self, invocation: Invocation, ctx: Context) -> None:
        await ctx.update_settings(OnboardingSettings, rules=None)
        ctx.respond(ctx.tr(_("Rules removed.")))

    @command(LANG_SPEC)
    async def lang(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        community = ctx.event.community
        choice = invocation.args.get("language")
        if choice is None:
            ctx.respond(
                tr(
                    _("Language: {language}. Change it with /lang en, /lang it or /lang ru."),
                    language=LANGUAGE_NAMES.get(tr.language, tr.language),
                )
            )
            return
        language = str(choice).strip().lower()
        if language not in LANGUAGES:
            ctx.respond(
                tr(_("Unknown language {language}. Choose en, it or ru."), language=language)
            )
            return
        if community is None:  # not declared: /lang alone answers anywhere
            ctx.respond(tr(OUTSIDE_COMMUNITY))
            return
        await ctx.update_settings(Language, community, locale=language)
        ctx.respond(
            translator(language)(
                _("From now on I speak {language}."), language=LANGUAGE_NAMES[language]
            )
        )


# -- helpers ------------------------------------------------------------------------------


async def _set_flag(
    ctx: Context, invocation: Invocation, name: str, when_on: str, when_off: str
) -> None:
    """``/welcome clean|goodbye|bots on|off``: the boolean setting ``name``."""
    state = str(invocation.args["state"]).lower()
    if state not in ON_OFF:
        ctx.respond(ctx.tr(_("Choose on or off.")))
        return
    value = state == "on"
    await ctx.update_settings(OnboardingSettings, ctx.community, **{name: value})
    ctx.respond(ctx.tr(when_on if value else when_off))


def _platform_of(event: Event) -> str:
    """The platform communities are stored under: the community's own (``telegram`` for
    both Telegram backends), or, for a press in a private chat without one, the bot's
    platform family."""
    if event.community is not None:
        return event.community.platform
    return event.platform.split("-", 1)[0]


def _job_key(kind: str, platform: str, community_id: str, since: datetime, *rest: str) -> str:
    """A job key unique to one window or one join, so a member who leaves and joins again
    gets a deadline of their own instead of replacing the earlier one."""
    stamp = f"{since.timestamp():.6f}"
    return ":".join((kind, platform, community_id, *rest, stamp))[:128]


def _gate_key(newcomer: Newcomer) -> str:
    return _job_key(
        GATE_JOB, newcomer.platform, newcomer.community_id, newcomer.joined_at, newcomer.user_id
    )


def _accept_buttons(
    tr: Translator, newcomer: Newcomer | None, *, private: bool = False
) -> ButtonRows:
    if newcomer is None:
        data = accept_data()
    else:
        data = accept_data(newcomer.user_id, newcomer.community_id if private else None)
    return ((Button(tr(ACCEPT_LABEL), data, ButtonStyle.PRIMARY, fallback="/accept"),),)


def _render_default(template: str, values: dict[str, TextLike]) -> Text:
    """The default greeting; a broken translation falls back to the English sentence."""
    try:
        return render(template, values)
    except TemplateError:
        return render(DEFAULT_TEMPLATE, values)


def _greeted(ctx: Context, newcomer: Newcomer, *, combined: bool = False) -> MemberGreeted:
    """The fact that ``newcomer`` was greeted (:mod:`core.facts.onboarding`)."""
    return MemberGreeted(
        platform=newcomer.platform,
        community_id=newcomer.community_id,
        at=ctx.now,
        user_id=newcomer.user_id,
        combined=combined,
    )
