"""Features every bot has: ``/help``, ``/settings`` and the member roster."""

from __future__ import annotations

from core.capabilities import Capability
from core.commands import CommandSpec, Invocation, help_lines
from core.events import MemberJoined, MemberLeft
from core.features import Context, Feature, command, on
from core.i18n import _
from core.roles import Role
from core.text import TextLike, bold, compose, lines

# What members lose when a platform lacks a capability; shown in /settings so nothing is
# switched off silently.
CAPABILITY_EFFECTS = {
    Capability.BUTTONS: _("buttons are shown as commands to type"),
    Capability.RESTRICT: _("mutes become a notice to managers"),
    Capability.REMOVE: _("removals become a notice to managers"),
    Capability.DIRECT_MESSAGES: _("private replies are posted in the channel"),
    Capability.MESSAGE_CONTENT: _(
        "the bot cannot read ordinary messages (FAQ auto-answers only when it is mentioned)"
    ),
    Capability.EDIT: _("live updates of bot messages are off"),
    Capability.FORMS: _("buttons that ask for text (a case's note) say which command to type"),
}


class Help(Feature):
    name = "help"

    @command(CommandSpec("help", _("List the commands you can use")))
    async def help(self, invocation: Invocation, ctx: Context) -> None:
        tr = await ctx.translator()
        entries = help_lines(ctx.commands, ctx.role)
        ctx.respond(lines(bold(tr(_("Commands you can use:"))), *entries))


class Settings(Feature):
    name = "settings"

    @command(CommandSpec("settings", _("Show this community's bot settings"), role=Role.MANAGER))
    async def settings(self, invocation: Invocation, ctx: Context) -> None:
        tr = await ctx.translator()
        community = ctx.event.community
        stored = await ctx.tx.settings(community) if community is not None else {}
        entries: list[TextLike] = [
            compose("{key}: {value}", key=bold(key), value=str(value))
            for key, value in sorted(stored.items())
        ] or [tr(_("No settings changed from the defaults."))]
        members = await ctx.tx.member_count(community) if community is not None else 0
        missing: list[TextLike] = [
            tr(effect)
            for capability, effect in CAPABILITY_EFFECTS.items()
            if capability not in ctx.bot.capabilities
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
