"""Where managers of a community read alerts and cases: their inbox.

Resolved in this order: the community's ``managers_inbox`` setting (written by
``/managers here``; it may name another bot on another platform; in a space, the space's
one inbox), then ``[defaults] escalate_to``. ``None`` means the community has no inbox
yet; callers then fall back visibly (direct messages to managers, or a notice where the
event happened).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from townsquare.core.features import Context
from townsquare.core.refs import ChannelRef, CommunityRef
from townsquare.core.settings import FeatureSettings, setting

INBOX_SETTING = "managers_inbox"


@dataclass(frozen=True, slots=True)
class Inbox:
    bot: str
    channel: ChannelRef


def inbox_value(bot: str, channel: ChannelRef) -> dict[str, Any]:
    """The JSON stored under :data:`INBOX_SETTING`."""
    return {"bot": bot, "channel": channel.id, "thread": channel.thread_id}


def _load(stored: Any) -> Inbox | None:
    if isinstance(stored, dict) and isinstance(stored.get("bot"), str) and stored.get("channel"):
        channel = ChannelRef(str(stored["channel"]), thread_id=stored.get("thread"))
        return Inbox(stored["bot"], channel)
    return None


def _dump(inbox: Inbox | None) -> dict[str, Any] | None:
    return None if inbox is None else inbox_value(inbox.bot, inbox.channel)


@dataclass(frozen=True, slots=True)
class InboxSettings(FeatureSettings):
    """Where a community's managers read cases and alerts (``/managers here``)."""

    namespace: ClassVar[str] = "inbox"
    inbox: Inbox | None = setting(None, key=INBOX_SETTING, load=_load, dump=_dump, space=True)


async def managers_inbox(ctx: Context, community: CommunityRef | None = None) -> Inbox | None:
    community = community or ctx.event.community
    if community is not None:
        stored = (await ctx.settings(InboxSettings, community)).inbox
        if stored is not None and stored.bot in ctx.bots:
            return stored
    if ctx.escalate_to:
        bot, _, channel_id = ctx.escalate_to.partition(":")
        if bot in ctx.bots:
            return Inbox(bot, ChannelRef(channel_id))
    return None


async def set_managers_inbox(
    ctx: Context, community: CommunityRef, bot: str, channel: ChannelRef
) -> None:
    await ctx.update_settings(InboxSettings, community, inbox=Inbox(bot, channel))
