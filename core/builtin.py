"""Features every bot has: ``/help``, ``/settings`` and the member roster."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from townsquare.core.capabilities import Capability
from townsquare.core.commands import (
    CommandSpec,
    Invocation,
    Option,
    Param,
    bind,
    help_lines,
    parse_command_text,
    split_arguments,
)
from townsquare.core.events import MemberJoined, MemberLeft
from townsquare.core.features import Context, Feature, command, on, subcommand
from townsquare.core.i18n import Translator, _
from townsquare.core.roles import Role
from townsquare.core.settings import TimeZone, internal_keys, model
from townsquare.core.text import TextLike, bold, code, compose, lines
from townsquare.core.when import known_zone

ROLE_REWARDS = frozenset({Capability.ROLES, Capability.USER_GROUPS})
"""Either gives role rewards (Discord roles, Slack user groups)."""

# What members lose when a platform lacks a capability (or every one of a set of them);
# shown in /settings so nothing is switched off silently.
CAPABILITY_EFFECTS: dict[Capability | frozenset[Capability], str] = {
    Capability.BUTTONS: _("buttons are shown as commands to type"),
    Capability.RESTRICT: _("mutes become a notice to managers"),
    Capability.REMOVE: _("removals become a notice to managers"),
    Capability.DIRECT_MESSAGES: _("private replies are posted in the channel"),
    Capability.MESSAGE_CONTENT: _(
        "the bot cannot read ordinary messages (FAQ auto-answers only when it is mentioned)"
    ),
    Capability.EDIT: _("live updates of bot messages are off"),
    Capability.FORMS: _("buttons that ask for text (a case's note) say which command to type"),
    ROLE_REWARDS: _(
        "role rewards show as levels only (in /rank and level-up announcements): members "
        "have no roles here, and nobody is made an administrator to carry one"
    ),
}


def lacks(capabilities: frozenset[Capability], needed: Capability | frozenset[Capability]) -> bool:
    """Whether a bot with ``capabilities`` has none of what ``needed`` names."""
    alternatives = needed if isinstance(needed, frozenset) else frozenset({needed})
    return not alternatives & capabilities


HELP_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (_("General"), ("help", "settings", "lang", "link", "unlink", "dashboard", "forgetme")),
    (_("Welcome and rules"), ("welcome", "rules", "verify", "accept")),
    (_("Polls and events"), ("poll", "vote", "event", "events")),
    (_("FAQ and feedback"), ("faq", "feedback", "idea")),
    (_("Levels and giveaways"), ("rank", "top", "thanks", "xp", "levels", "giveaway")),
    (_("Announcements"), ("announce", "announcements")),
    (_("Stats"), ("stats",)),
    (_("Watch words"), ("watch",)),
    (
        _("Moderation"),
        (
            "report",
            "warn",
            "mute",
            "unmute",
            "warnings",
            "cases",
            "case",
            "managers",
            "escalation",
            "ticket",
            "tickets",
        ),
    ),
)
"""``/help`` lists commands under these titles; any other command (a plugin's) under
"More", so every command a caller may use is reachable from ``/help``."""

EXAMPLES: dict[str, tuple[str, ...]] = {
    "help": ("/help poll",),
    "settings": ("/settings", "/settings tz Europe/Rome"),
    "lang": ("/lang it",),
    "welcome": ("/welcome set Welcome {mention} to {community}!",),
    "rules": ("/rules show", "/rules set Be kind. No spam."),
    "verify": ("/verify timeout 10m",),
    "accept": ("/accept",),
    "poll": ('/poll "Where do we meet?" "Library" "Park" --closes 2h',),
    "vote": ("/vote 1 2",),
    "event": (
        '/event "Board games night" fri 19:00 --where "Library" --capacity 12',
        '/event "Weekly call" tomorrow 18:30 --repeat weekly --tz Europe/Rome',
        "/event rsvp 12 going",
        "/event cancel 12",
    ),
    "events": ("/events",),
    "faq": (
        "/faq how do I reset my password?",
        '/faq add "How do I reset my password?" "Settings, Security, Reset password."',
    ),
    "announce": (
        '/announce --at "fri 18:30" --pin Meetup tonight at the library!',
        "/announce --every weekly --space The weekly digest is out.",
        "/announce cancel 3",
    ),
    "announcements": ("/announcements",),
    "stats": ("/stats 30d", "/stats export 90d", "/stats digest off"),
    "watch": ("/watch add refund", '/watch add "app crashes"', "/watch remove 3"),
    "giveaway": (
        '/giveaway "Two concert tickets" --ends "fri 18:30" --winners 2 --min-days 7',
        "/giveaway verify 3",
        "/giveaway reroll 3",
    ),
    "feedback": (
        "/feedback A dark mode for the mobile app",
        "/feedback list planned",
        "/feedback vote 12",
        "/feedback status 12 planned Coming in the spring release",
        "/feedback duplicate 14 12",
        "/feedback team product keywords dark mode, theme",
    ),
    "idea": ("/idea Calendar sync with Google",),
    "link": ("/link", "/link ABCD-2345"),
    "unlink": ("/unlink discord",),
    "dashboard": ("/dashboard",),
    "forgetme": ("/forgetme",),
    "report": ("/report spam",),
    "warn": ("/warn off-topic",),
    "mute": ("/mute 2h spam",),
    "unmute": ("/unmute",),
    "warnings": ("/warnings",),
    "cases": ("/cases all",),
    "case": ("/case 12 resolve talked to them",),
    "managers": ("/managers here",),
    "escalation": ("/escalation set report_limit 3",),
    "ticket": ("/ticket I cannot log in", "/ticket 12 reply Fixed, try again", "/ticket 12 close"),
    "tickets": ("/tickets all", "/tickets autoclose 48"),
    "rank": ("/rank", "/rank @bob"),
    "top": ("/top week",),
    "thanks": ("/thanks",),
    "xp": ("/xp give 50 @member", "/xp reset @member"),
    "levels": ("/levels set cooldown 2m", "/levels role 5 @Regulars", "/levels announce here"),
}
"""Typical uses of each command; ``/help <command>`` shows those the caller may run."""


def visible(specs: Sequence[CommandSpec], role: Role) -> list[CommandSpec]:
    """The commands ``role`` may use at least one form of."""
    return [spec for spec in specs if help_lines([spec], role)]


class Help(Feature):
    """``/help``: the caller's commands grouped by feature in a few lines; ``/help poll``:
    one command's usage forms, options and an example."""

    name = "help"

    @command(
        CommandSpec(
            "help",
            _("List the commands you can use"),
            params=(Param("command", _("a command, e.g. poll"), required=False, variadic=True),),
        )
    )
    async def help(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        wanted = invocation.args.get("command")
        commands = visible(ctx.commands, ctx.role)
        if wanted:
            words = [wanted] if isinstance(wanted, str) else list(wanted)
            ctx.respond(self._one(words[0].lstrip("/").lower(), ctx, tr))
            return
        names = {spec.name for spec in commands}
        grouped: list[TextLike] = []
        known: set[str] = set()
        for title, members in HELP_GROUPS:
            known.update(members)
            present = [f"/{name}" for name in members if name in names]
            if present:
                grouped.append(
                    compose("{title}: {names}", title=bold(tr(title)), names=" ".join(present))
                )
        others = [f"/{spec.name}" for spec in commands if spec.name not in known]
        if others:
            grouped.append(
                compose("{title}: {names}", title=bold(tr(_("More"))), names=" ".join(others))
            )
        example = "poll" if "poll" in names else "faq" if "faq" in names else "help"
        ctx.respond(
            lines(
                bold(tr(_("Commands you can use:"))),
                *grouped,
                tr(
                    _("/help and a command gives its usage and an example, e.g. /help {command}"),
                    command=example,
                ),
            )
        )

    def _one(self, name: str, ctx: Context, tr: Translator) -> TextLike:
        spec = next((spec for spec in ctx.commands if spec.name == name), None)
        if spec is None:
            return tr(_("There is no command /{name}; /help lists them."), name=name)
        forms = help_lines([spec], ctx.role)
        if not forms:
            return tr(_("/{name} is for managers."), name=name)
        parts: list[TextLike] = [
            compose("{name} — {summary}", name=bold(f"/{name}"), summary=tr(spec.summary))
        ]
        parts.append(bold(tr(_("Usage:"))))
        parts.extend(_translated_form(form, tr) for form in forms)
        options = _options(spec, ctx.role)
        if options:
            parts.append(bold(tr(_("Options:"))))
            for option in options:
                flag = (
                    f"--{option.name} {option.metavar}"
                    if option.takes_value
                    else f"--{option.name}"
                )
                parts.append(f"{flag} — {tr(option.help)}" if option.help else flag)
        for example in _examples(spec, ctx.role):
            parts.append(
                compose("{label} {example}", label=bold(tr(_("Example:"))), example=code(example))
            )
        return lines(*parts)


def _examples(spec: CommandSpec, role: Role) -> list[str]:
    """The examples of ``spec`` whose command form ``role`` may use."""
    allowed = []
    for example in EXAMPLES.get(spec.name, ()):
        parsed = parse_command_text(example)
        if parsed is None:
            continue
        try:
            invocation = bind(spec, split_arguments(parsed[1]), parsed[1])
        except ValueError:  # CommandUsageError, CommandSyntaxError
            continue
        if role >= invocation.spec.role and role >= spec.role:
            allowed.append(example)
    return allowed


def _translated_form(form: str, tr: Translator) -> str:
    usage, separator, summary = form.partition(" — ")
    return f"{usage} — {tr(summary)}" if separator else usage


def _options(spec: CommandSpec, role: Role) -> list[Option]:
    """The options of ``spec`` and of the subcommands ``role`` may use, each once."""
    found: dict[str, Option] = {}
    todo = [spec]
    while todo:
        node = todo.pop(0)
        if role < node.role:
            continue
        for option in node.options:
            found.setdefault(option.name, option)
        todo.extend(node.subcommands)
    return list(found.values())


class Settings(Feature):
    name = "settings"

    @command(
        CommandSpec(
            "settings",
            _("Show this community's bot settings"),
            role=Role.MANAGER,
            subcommands=(
                CommandSpec(
                    "tz",
                    _("Set the time zone times are read in"),
                    Role.MANAGER,
                    params=(Param("zone", _("e.g. Europe/Rome, or UTC")),),
                    needs_community=True,
                ),
            ),
        )
    )
    async def settings(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        community = ctx.event.community
        changed = await _changed_settings(ctx) if community is not None else {}
        entries: list[TextLike] = [
            compose("{key}: {value}", key=bold(key), value=str(value))
            for key, value in sorted(changed.items())
        ] or [tr(_("No settings changed from the defaults."))]
        members = await ctx.tx.member_count(community) if community is not None else 0
        missing: list[TextLike] = [
            tr(effect)
            for needed, effect in CAPABILITY_EFFECTS.items()
            if lacks(ctx.bot.capabilities, needed)
        ]
        text = lines(
            bold(tr(_("Settings"))),
            *entries,
            tr(_("Language: {language}"), language=tr.language),
            tr.plural(_("{n} member known"), _("{n} members known"), members),
            tr(_("Platform: {platform} (bot {bot})"), platform=ctx.bot.platform, bot=ctx.bot.name),
        )
        if missing:
            text = lines(text, bold(tr(_("Limited on this platform:"))), *missing)
        ctx.respond(text)

    @subcommand("settings", "tz")
    async def time_zone(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        name = str(invocation.args["zone"]).strip()
        if name.upper() == "UTC":
            await ctx.update_settings(TimeZone, tz=None)
            ctx.respond(tr(_("Times are now read in UTC.")))
        elif len(name) <= 64 and known_zone(name):
            await ctx.update_settings(TimeZone, tz=name)
            ctx.respond(tr(_("Times are now read in {zone}."), zone=name))
        else:
            ctx.respond(
                tr(_("I do not know the time zone {zone}; write it like Europe/Rome."), zone=name)
            )


async def _changed_settings(ctx: Context) -> dict[str, Any]:
    """Every setting of this community that is not its default, by stored key: what the
    features' models read (in a space, the shared ones are the space's, wherever they
    were set), then any stored key no running feature claims (a disabled feature's)."""
    stored = await ctx.tx.settings(ctx.community)
    changed: dict[str, Any] = {}
    claimed: set[str] = set()
    for kind in ctx.settings_models:
        built = model(kind)
        claimed.update(built.keys)
        changed |= built.changed(await ctx.settings(kind))
    hidden = claimed | internal_keys()
    return changed | {key: value for key, value in stored.items() if key not in hidden}


class Roster(Feature):
    """Keeps the member list current, for ``{member_count}`` and later analytics."""

    name = "roster"

    @on(MemberJoined)
    async def joined(self, event: MemberJoined, ctx: Context) -> None:
        if event.community is not None:
            await ctx.tx.member_joined(event.community, event.member, event.occurred_at)

    @on(MemberLeft)
    async def left(self, event: MemberLeft, ctx: Context) -> None:
        if event.community is not None and not event.channel_only:
            await ctx.tx.member_left(event.community, event.member, event.occurred_at)


def builtin_features() -> list[Feature]:
    return [Help(), Settings(), Roster()]
