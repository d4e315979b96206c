"""What the events feature adds around an event: calendar feed URLs (``/event feed``,
served by :mod:`web.calendar_feed` under ``[web]``), and the interested count of its
Discord mirrors, shown beside our answers."""

from __future__ import annotations

from townsquare.core.actions import SendDirect
from townsquare.core.calendar import steps
from townsquare.core.calendar.attendance import Attendance
from townsquare.core.calendar.store import counts
from townsquare.core.capabilities import Capability
from townsquare.core.commands import Invocation
from townsquare.core.events import ScheduledEventInterest
from townsquare.core.features import Context, on, subcommand
from townsquare.core.i18n import _
from townsquare.core.roles import Role
from townsquare.core.text import Text, TextLike, as_text, code, compose, lines

FEEDS_OFF = _(
    "Calendar feeds are off here: they need [web] listen and public_url in the bot's config."
)
NOT_PRIVATE = _(
    "I could not send you your calendar feed privately: open a private chat with me, then "
    "ask again with /event feed."
)

MY_FEED = _("Your calendar feed (the events you answered Going or Maybe): {webcal} (or {https})")
COMMUNITY_FEED = _("This community's calendar feed (every event here): {webcal} (or {https})")


def community_owner(bot: str, community_id: str) -> str:
    return f"community:{bot}:{community_id}"


def person_owner(platform: str, user_id: str) -> str:
    return f"person:{platform}:{user_id}"


class Extras(Attendance):
    """Calendar feeds and mirrors' interested counts."""

    feeds_url: str | None = None
    """``[web] public_url`` while ``[web] listen`` serves the feeds (None: no feeds)."""

    def use_feeds(self, public_url: str | None) -> None:
        """Serve feed URLs under ``public_url`` (the composition root calls it)."""
        self.feeds_url = public_url.rstrip("/") if public_url else None

    def feed_links(self, token: str) -> tuple[str, str]:
        """The ``webcal://`` URL (calendar apps subscribe to it) and its ``https://`` one."""
        assert self.feeds_url is not None
        https = f"{self.feeds_url}/calendar/{token}.ics"
        _scheme, _sep, rest = https.partition("://")
        return f"webcal://{rest}", https

    async def personal_feed(self, ctx: Context, *, reset: bool = False) -> Text | None:
        """The caller's own feed, as a line to send them privately (None: no feeds)."""
        actor = ctx.event.actor
        if self.feeds_url is None or actor is None:
            return None
        token = await self.store(ctx.tx).feed_token(
            person_owner(ctx.event.platform, actor.user_id),
            platform=ctx.event.platform,
            bot=ctx.bot.name,
            community_id=ctx.community.id,
            user_id=actor.user_id,
            now=ctx.now,
            reset=reset,
        )
        webcal, https = self.feed_links(token)
        return compose(
            ctx.tr(MY_FEED),
            webcal=code(webcal),
            https=code(https),
        )

    def tell_privately(self, ctx: Context, text: TextLike) -> None:
        """A secret for the caller alone: ephemeral where the platform answers so, else a
        private message; never posted in the channel (it says so there instead)."""
        actor = ctx.event.actor
        assert actor is not None
        if ctx.interaction_id is not None and ctx.can(Capability.EPHEMERAL):
            ctx.respond(text)
            return
        ctx.emit(
            SendDirect(
                bot=ctx.bot.name,
                user_id=actor.user_id,
                display_name=actor.display_name,
                text=as_text(text),
                fallback_channel=ctx.event.channel,
                fallback_text=as_text(ctx.tr(NOT_PRIVATE)),
            )
        )

    @subcommand("event", "feed")
    async def feed(self, invocation: Invocation, ctx: Context) -> None:
        tr = ctx.tr
        if self.feeds_url is None:
            ctx.respond(tr(FEEDS_OFF))
            return
        reset, whole = invocation.flag("reset"), invocation.flag("community")
        manager = ctx.role >= Role.MANAGER
        if whole and not manager:
            ctx.respond(tr(_("Sorry, only managers can use {command}."), command="--community"))
            return
        rows: list[TextLike] = []
        mine = await self.personal_feed(ctx, reset=reset and not whole)
        assert mine is not None
        rows.append(mine)
        if manager:
            token = await self.store(ctx.tx).feed_token(
                community_owner(ctx.bot.name, ctx.community.id),
                platform=ctx.event.platform,
                bot=ctx.bot.name,
                community_id=ctx.community.id,
                user_id=None,
                now=ctx.now,
                reset=reset and whole,
            )
            webcal, https = self.feed_links(token)
            rows.append(
                compose(
                    tr(COMMUNITY_FEED),
                    webcal=code(webcal),
                    https=code(https),
                )
            )
        if reset:
            rows.append(tr(_("The old URL no longer works.")))
        rows.append(tr(_("Keep it to yourself: anyone with the URL sees that calendar.")))
        if not reset:
            rows.append(tr(_("/event feed --reset makes a new one.")))
        self.tell_privately(ctx, lines(*rows))

    @on(ScheduledEventInterest)
    async def interested(self, event: ScheduledEventInterest, ctx: Context) -> None:
        """A mirror's interested count changed: stored, and shown on every post."""
        store = self.store(ctx.tx)
        mirrored = await store.mirrored(event.bot, event.native_id)
        if mirrored is None:
            return
        event_id, key = mirrored
        if not await store.set_interest(event_id, key, event.interested, ctx.now):
            return
        found = await store.get(event_id)
        if found is not None and found.cancelled_at is None:
            await steps.refresh(found, counts(await store.rsvps(found.id)), ctx)
