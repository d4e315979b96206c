"""``/welcome`` (the greeting and where it goes), ``/rules`` and ``/lang``: what managers
set for their community, each answered with what it now is."""

from __future__ import annotations

from townsquare.core.capabilities import Capability
from townsquare.core.commands import OUTSIDE_COMMUNITY, Invocation
from townsquare.core.features import Context
from townsquare.core.i18n import LANGUAGES, Translator, _, translator
from townsquare.core.onboarding.common import Services
from townsquare.core.onboarding.greeting import greeting
from townsquare.core.onboarding.settings import DirectMode, OnboardingSettings
from townsquare.core.onboarding.specs import DEFAULT_TEMPLATE, LANGUAGE_NAMES, MAX_RULES, ON_OFF
from townsquare.core.onboarding.templates import TemplateError, validate
from townsquare.core.onboarding.verification import verify_lines
from townsquare.core.refs import CommunityRef
from townsquare.core.settings import Language
from townsquare.core.text import Text, TextLike, bold, code, compose, lines


async def preview(
    services: Services,
    ctx: Context,
    community: CommunityRef,
    settings: OnboardingSettings,
    tr: Translator,
) -> Text:
    """The greeting as the caller would get it."""
    actor = ctx.event.actor
    assert actor is not None
    return await greeting(
        services, ctx, community, [actor], settings, community.title, tr, ctx.event.channel
    )


async def set_template(services: Services, ctx: Context, template: str) -> None:
    tr, community = ctx.tr, ctx.community
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
            await preview(services, ctx, community, settings, tr),
        )
    )


async def set_direct(ctx: Context, mode: str) -> None:
    tr = ctx.tr
    chosen = {
        "on": DirectMode.ALSO,
        "also": DirectMode.ALSO,
        "only": DirectMode.ONLY,
        "off": DirectMode.OFF,
    }.get(mode.lower())
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


async def set_channel(ctx: Context, where: str) -> None:
    tr, where = ctx.tr, where.lower()
    channel = ctx.event.channel
    if where == "here" and channel is not None and not channel.is_direct:
        await ctx.update_settings(OnboardingSettings, channel=channel)
        ctx.respond(tr(_("Newcomers are greeted in this channel.")))
    elif where == "default":
        await ctx.update_settings(OnboardingSettings, channel=None)
        ctx.respond(tr(_("Newcomers are greeted where they join.")))
    else:
        ctx.respond(tr(_("Choose here (in a channel of the community) or default.")))


async def set_flag(
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


def describe(
    services: Services, ctx: Context, settings: OnboardingSettings, tr: Translator
) -> Text:
    """``/welcome show``: every greeting setting, the gate's and the raid safety's."""

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
    rate = services.rate
    entries: list[TextLike] = [
        bold(tr(_("Greetings"))),
        compose(tr(_("Greeting: {state}")), state=state(settings.welcome)),
        compose(tr(_("Template: {text}")), text=template),
        compose(tr(_("Where: {where}")), where=where),
        compose(tr(_("Private greeting: {state}")), state=tr(dm)),
        compose(tr(_("Delete the previous greeting: {state}")), state=state(settings.clean)),
        compose(tr(_("Goodbye messages: {state}")), state=state(settings.goodbye)),
        compose(tr(_("Greet bot accounts: {state}")), state=state(settings.bots)),
        *verify_lines(ctx, settings, tr),
        tr(
            _(
                "Raid safety: above {quiet} joins in {seconds} seconds greetings are "
                "combined; above {raid} managers are alerted."
            ),
            quiet=rate.quiet_joins,
            seconds=int(rate.window.total_seconds()),
            raid=rate.raid_joins,
        ),
    ]
    return lines(*entries)


async def show_rules(ctx: Context) -> None:
    tr, community = ctx.tr, ctx.community
    settings = await ctx.settings(OnboardingSettings)
    if settings.rules is None:
        ctx.respond(tr(_("There are no rules yet.")))
        return
    title = bold(community.title or tr(_("our community")))
    ctx.respond(lines(compose(tr(_("Rules of {community}:")), community=title), settings.rules))


async def set_rules(ctx: Context, text: str) -> None:
    if len(text) > MAX_RULES:
        ctx.respond(ctx.tr(_("The rules are too long: at most {n} characters."), n=MAX_RULES))
        return
    await ctx.update_settings(OnboardingSettings, rules=text)
    ctx.respond(ctx.tr(_("Rules saved. Members see them with /rules.")))


async def language(ctx: Context, choice: object) -> None:
    """``/lang [en|it|ru]``: the bot's language in this community."""
    tr = ctx.tr
    community = ctx.event.community
    if choice is None:
        ctx.respond(
            tr(
                _("Language: {language}. Change it with /lang en, /lang it or /lang ru."),
                language=LANGUAGE_NAMES.get(tr.language, tr.language),
            )
        )
        return
    chosen = str(choice).strip().lower()
    if chosen not in LANGUAGES:
        ctx.respond(tr(_("Unknown language {language}. Choose en, it or ru."), language=chosen))
        return
    if community is None:  # not declared: /lang alone answers anywhere
        ctx.respond(tr(OUTSIDE_COMMUNITY))
        return
    await ctx.update_settings(Language, community, locale=chosen)
    ctx.respond(
        translator(chosen)(_("From now on I speak {language}."), language=LANGUAGE_NAMES[chosen])
    )
