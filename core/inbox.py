"""Where managers of a community read alerts and cases: their inbox.

Resolved in this order: the community's ``managers_inbox`` setting (written by
``/managers here``; it may name another bot on another platform), then
``[defaults] escalate_to``. ``None`` means the community has no inbox yet; callers then
fall back visibly (direct messages to managers, or a notice where the event happened).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from townsquare.core.features import Context
from townsquare.core.refs import ChannelRef, CommunityRef

INBOX_SETTING = "managers_inbox"


@dataclass(frozen=True, slots=True)
class Inbox:
    bot: str
    channel: ChannelRef


def inbox_value(bot: str, channel: ChannelRef) -> dict[str, Any]:
    """The JSON stored under :data:`INBOX_SETTING`."""
    return {"bot": bot, "channel": channel.id, "thread": channel.thread_id}


async def managers_inbox(ctx: Context, community: CommunityRef | None = None) -> Inbox | None:
    community = community or ctx.event.community
    if community is not None:
        stored = (await ctx.tx.settings(community)).get(INBOX_SETTING)
        if isinstance(stored, dict) and stored.get("bot") in ctx.bots and stored.get("channel"):
            channel = ChannelRef(str(stored["channel"]), thread_id=stored.get("thread"))
            return Inbox(str(stored["bot"]), channel)
    if ctx.escalate_to:
        bot, _, channel_id = ctx.escalate_to.partition(":")
        if bot in ctx.bots:
            return Inbox(bot, ChannelRef(channel_id))
    return None


async def set_managers_inbox(
    ctx: Context, community: CommunityRef, bot: str, channel: ChannelRef
) -> None:
    await ctx.tx.set_setting(community, INBOX_SETTING, inbox_value(bot, channel), ctx.now)
