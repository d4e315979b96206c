"""``/dashboard``: a manager gets a private one-time link to the web dashboard.

* In a community, a manager (platform admin, or listed in ``[defaults] managers``) who
  sends ``/dashboard`` is granted that community on the web (:class:`store.Grant`, 30
  days, renewed by each ``/dashboard`` there) and gets, privately, a link
  ``{public_url}/login/<token>``: valid 10 minutes, usable once, bound to their person
  (every account linked with ``/link`` sees the communities each of them manages). A
  member gets no link, only the framework's one-line refusal (the command is a
  manager's).
* In a private chat with the bot, a manager there (``[defaults] managers``: platforms
  report no admin standing in private chats) who already has live grants gets a link too.
* The link is only ever sent privately (an ephemeral answer to a slash command, the
  private chat itself, else a direct message with a public note that names no link);
  where the platform has nothing private, no link is issued.
* A grant ends when its account is seen in the community as a plain member (a command
  answered with a member's role) or leaves it; the web re-reads the grants on every
  request, so a demoted manager loses the community at their next click.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from townsquare.core.actions import SendDirect, SendEphemeral
from townsquare.core.capabilities import Capability
from townsquare.core.commands import CommandSpec, Invocation
from townsquare.core.dashboard import rules
from townsquare.core.dashboard.store import DashboardStore, Grant
from townsquare.core.events import CommandIssued, MemberLeft
from townsquare.core.features import Context, Feature, command, on
from townsquare.core.i18n import _
from townsquare.core.persons import PersonDirectory, account_platform
from townsquare.core.privacy import KeepsPersonalData
from townsquare.core.refs import PlatformRole
from townsquare.core.roles import Role
from townsquare.core.text import TextLike, as_text, compose, link

DASHBOARD = CommandSpec(
    "dashboard", _("Get a private link to the web dashboard (managers)"), role=Role.MANAGER
)

StoreFactory = Callable[[Any], DashboardStore]


class Dashboard(KeepsPersonalData, Feature):
    name = "dashboard"

    def __init__(self, store: StoreFactory, persons: PersonDirectory) -> None:
        self.store = store
        self.persons = persons
        self.public_url: str | None = None
        """Where the web side is reached; None: the dashboard is not served."""

    @command(DASHBOARD)
    async def dashboard(self, invocation: Invocation, ctx: Context) -> None:
        event = ctx.event
        actor, channel, community = event.actor, event.channel, event.community
        tr = ctx.tr
        if actor is None or actor.is_bot or channel is None:
            return
        private = channel.is_direct or community is None
        if self.public_url is None:
            ctx.respond(
                tr(_("The dashboard is not served here: the operator has not set [web] listen."))
            )
            return
        ephemeral = ctx.interaction_id is not None and ctx.can(Capability.EPHEMERAL)
        if not (private or ephemeral or ctx.can(Capability.DIRECT_MESSAGES)):
            ctx.respond(
                tr(
                    _(
                        "I cannot send you anything privately on this platform, so I give no "
                        "link here: send /dashboard to me on another platform."
                    )
                )
            )
            return
        store = self.store(ctx.tx)
        platform = account_platform(event.platform)
        if community is not None and not private:
            await store.grant(
                Grant(
                    platform=platform,
                    user_id=actor.user_id,
                    community_platform=community.platform,
                    community_id=community.id,
                    community_title=community.title[:256],
                    bot=ctx.bot.name,
                    display_name=actor.display_name[:256],
                    role=int(ctx.role),
                    granted_at=ctx.now,
                    expires_at=ctx.now + rules.GRANT_TTL,
                )
            )
        elif not await store.live_grants(platform, actor.user_id, ctx.now):
            ctx.respond(
                tr(
                    _(
                        "Send /dashboard in a community you manage: the dashboard shows the "
                        "communities where you did."
                    )
                )
            )
            return
        token = rules.new_secret()
        await store.issue_token(
            token_hash=rules.digest(token),
            person_id=await self.persons.person_of(ctx.tx, platform, actor.user_id),
            platform=platform,
            user_id=actor.user_id,
            display_name=actor.display_name[:256],
            locale=tr.language,
            expires_at=ctx.now + rules.TOKEN_TTL,
            now=ctx.now,
        )
        url = rules.login_url(self.public_url, token)
        text = compose(
            tr(
                _(
                    "Your dashboard link: {link} It works once, within {minutes} minutes, "
                    "and only for you: never give it to anyone."
                )
            ),
            link=link(url, url),
            minutes=str(int(rules.TOKEN_TTL.total_seconds() // 60)),
        )
        self._privately(ctx, text, private=private, ephemeral=ephemeral)

    def _privately(self, ctx: Context, text: TextLike, *, private: bool, ephemeral: bool) -> None:
        event = ctx.event
        actor, channel = event.actor, event.channel
        assert actor is not None and channel is not None
        tr = ctx.tr
        if private:
            ctx.reply(text)
            return
        if ephemeral:
            ctx.emit(
                SendEphemeral(
                    bot=ctx.bot.name,
                    channel=channel,
                    user_id=actor.user_id,
                    display_name=actor.display_name,
                    text=as_text(text),
                    interaction_id=ctx.interaction_id,
                )
            )
            return
        ctx.emit(
            SendDirect(
                bot=ctx.bot.name,
                user_id=actor.user_id,
                display_name=actor.display_name,
                text=as_text(text),
                fallback_channel=channel,
                fallback_text=as_text(
                    tr(
                        _(
                            "I could not send a manager their dashboard link privately: open "
                            "a private chat with me (press Start there), then send /dashboard "
                            "again."
                        )
                    )
                ),
            )
        )
        ctx.reply(tr(_("I sent you a dashboard link privately.")))

    @on(CommandIssued)
    async def commanded(self, event: CommandIssued, ctx: Context) -> None:
        """A command answered with a member's role ends the account's grant there."""
        actor, community, channel = event.actor, event.community, event.channel
        if (
            actor is None
            or community is None
            or channel is None
            or channel.is_direct
            or ctx.role >= Role.MANAGER
            or actor.platform_role is PlatformRole.UNKNOWN
        ):
            return
        await self.store(ctx.tx).revoke(
            account_platform(event.platform),
            actor.user_id,
            community.platform,
            community.id,
            ctx.now,
        )

    @on(MemberLeft)
    async def left(self, event: MemberLeft, ctx: Context) -> None:
        community = event.community
        if community is None or event.channel_only:
            return
        await self.store(ctx.tx).revoke(
            account_platform(event.platform),
            event.member.user_id,
            community.platform,
            community.id,
            ctx.now,
        )
