"""Greetings: one newcomer's (in the channel and/or privately, per ``/welcome dm``), or a
combined one for the newcomers who waited during a burst of joins, and the managers'
notes about a broken template and a join raid."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from townsquare.core.actions import (
    Button,
    ButtonRows,
    ButtonStyle,
    DeleteMessage,
    SendDirect,
    SendMessage,
)
from townsquare.core.capabilities import Capability
from townsquare.core.events import JobDue
from townsquare.core.facts.onboarding import MemberGreeted
from townsquare.core.features import Context
from townsquare.core.i18n import Translator, _
from townsquare.core.onboarding.common import Services, job_key, log, to_managers
from townsquare.core.onboarding.gate import accept_data
from townsquare.core.onboarding.settings import DirectMode, Gate, OnboardingSettings
from townsquare.core.onboarding.specs import ACCEPT_LABEL, DEFAULT_TEMPLATE, FLUSH_JOB
from townsquare.core.onboarding.store import CommunityState, GateStatus, Newcomer, OnboardingStore
from townsquare.core.onboarding.templates import TemplateError, render, variables
from townsquare.core.refs import Actor, ChannelRef, CommunityRef
from townsquare.core.text import Text, TextLike, bold, code, compose, lines


async def greet_one(
    services: Services,
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
    text = await greeting(services, ctx, community, [newcomer], settings, title, tr, channel)
    ctx.publish(greeted(ctx, newcomer))
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
                buttons=accept_buttons(tr, newcomer, private=True) if gated and only else (),
                fallback_channel=channel if only else None,
            )
        )
        if only:
            return state
    buttons = accept_buttons(tr, newcomer) if gated else ()
    return post(ctx, newcomer.bot, channel, text, buttons, state, settings)


def post(
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
        SendMessage(bot=bot, channel=channel, text=text, buttons=buttons, key=key, silent=combined)
    )
    return CommunityState(
        platform=state.platform,
        community_id=state.community_id,
        greetings=number,
        last_greeting_bot=bot,
        last_greeting_key=key,
    )


async def greeting(
    services: Services,
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
            await _template_failed(services, ctx, community, template, error, tr, where)
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
    services: Services,
    ctx: Context,
    community: CommunityRef,
    template: str,
    error: TemplateError,
    tr: Translator,
    where: ChannelRef | None,
) -> None:
    """Tell the managers once per broken template; the default greeting is used."""
    store = services.store(ctx.tx)
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
    await to_managers(ctx, community, where, text)


async def schedule_flush(
    services: Services,
    ctx: Context,
    store: OnboardingStore,
    community: CommunityRef,
    joined: datetime,
) -> None:
    """(Re)schedule the combined greeting: due one batch window after the oldest
    waiting join (``joined``: this one, perhaps not stored yet), so a stream of joins
    cannot postpone it; once per transaction for the same oldest join."""
    waiting = await store.first_waiting(community.platform, community.id)
    oldest = min(waiting, joined) if waiting is not None else joined
    key = job_key(FLUSH_JOB, community.platform, community.id, oldest)
    if not store.once(key):
        return
    await ctx.tx.schedule(
        kind=FLUSH_JOB,
        due_at=oldest + services.batch_window,
        platform=community.platform,
        bot=ctx.bot.name,
        payload={"title": community.title},
        community_id=community.id,
        key=key,
        now=ctx.now,
    )


async def flush(services: Services, event: JobDue, ctx: Context) -> None:
    """Post the greetings that waited: one combined message per channel."""
    community = event.community
    if community is None:
        return
    store = services.store(ctx.tx)
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
            state = await greet_one(services, ctx, members[0], settings, state, title, tr)
            continue
        where = ChannelRef(channel_id, thread_id)
        text = await greeting(services, ctx, community, members, settings, title, tr, where)
        gated = any(member.gate is GateStatus.PENDING for member in members)
        buttons = accept_buttons(tr, None) if gated else ()
        state = post(ctx, bot, where, text, buttons, state, settings, combined=True)
        for member in members:
            ctx.publish(greeted(ctx, member, combined=True))
    await store.greeted(
        community.platform, community.id, [member.user_id for member in waiting], ctx.now
    )
    await store.save_greetings(state, ctx.now)


async def raid_alert(
    services: Services,
    ctx: Context,
    community: CommunityRef,
    channel: ChannelRef,
    recent: int,
    settings: OnboardingSettings,
    tr: Translator,
) -> None:
    seconds = int(services.rate.window.total_seconds())
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
            seconds=int(services.batch_window.total_seconds()),
        ),
    ]
    if settings.gate is Gate.OFF:
        parts.append(
            compose(
                tr(_("To mute newcomers until they accept the rules: {command}")),
                command=code("/verify on"),
            )
        )
    await to_managers(ctx, community, channel, lines(*parts))


def accept_buttons(
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


def greeted(ctx: Context, newcomer: Newcomer, *, combined: bool = False) -> MemberGreeted:
    """The fact that ``newcomer`` was greeted (:mod:`core.facts.onboarding`)."""
    return MemberGreeted(
        platform=newcomer.platform,
        community_id=newcomer.community_id,
        at=ctx.now,
        user_id=newcomer.user_id,
        combined=combined,
    )
