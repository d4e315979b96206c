"""The weekly "top contributors" post: a durable job per community (Monday 10:00 UTC),
scheduled when the community's first message earns XP, on by default, off with
``/levels set weekly off`` (which cancels it; ``on`` schedules it again).

Each firing posts once, in the channel level-ups are announced in (``/levels announce
here``) or else the one where the community first earned XP, and schedules the next week;
the community's row records the week posted, so a job that fires twice (two versions of
it, a restart in between) still posts one message a week. It shows the calendar week
that just ended (Monday to Sunday, UTC); a week in which nobody earned XP posts nothing.
"""

from __future__ import annotations

from townsquare.core.actions import SendMessage
from townsquare.core.events import JobDue
from townsquare.core.features import Context
from townsquare.core.refs import ChannelRef
from townsquare.core.rewards import rules
from townsquare.core.rewards.earning import schedule_weekly
from townsquare.core.rewards.ranking import WEEKLY_TOP, weekly_text
from townsquare.core.rewards.services import Services
from townsquare.core.rewards.settings import Announce, RewardsSettings


async def post(services: Services, event: JobDue, ctx: Context) -> None:
    community = event.community
    if community is None:
        return
    store = services.store(ctx.tx)
    await store.flush()
    settings = await ctx.settings(RewardsSettings, community)
    if not settings.weekly:
        return  # not scheduled again: /levels set weekly on does
    channel_id = str(event.payload.get("channel") or "")
    await schedule_weekly(ctx, community.platform, community.id, channel_id)
    if not settings.enabled:
        return
    if not await store.weekly_due(community.platform, community.id, rules.week_number(ctx.now)):
        return
    scope = services.scope(ctx, community)
    standings, _members = await store.board(scope, rules.Period.LAST_WEEK, ctx.now, 0, WEEKLY_TOP)
    if not standings:
        return
    if settings.announce is Announce.HERE and settings.announce_channel:
        channel_id = settings.announce_channel
    if not channel_id:
        channel_id = await store.community_channel(community.platform, community.id) or ""
    if channel_id:
        ctx.emit(
            SendMessage(
                bot=ctx.bot.name,
                channel=ChannelRef(channel_id),
                text=weekly_text(standings, ctx.tr),
            )
        )
