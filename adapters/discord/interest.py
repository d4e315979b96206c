"""Members marking a guild scheduled event "Interested" (GUILD_SCHEDULED_EVENT_USER_ADD
and _REMOVE, intent ``GUILD_SCHEDULED_EVENTS``) become
:class:`~core.events.ScheduledEventInterest` with Discord's own count: read with ``GET
/guilds/{id}/scheduled-events/{event}?with_user_count=true`` after each change, since the
dispatch carries no count. Only events the bot created matter (they mirror ours); others
are left alone without a call."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import discord
from discord.http import Route

from townsquare.adapters.discord.inbound import PLATFORM, actor, community
from townsquare.adapters.discord.rest import Rest
from townsquare.core.errors import DeliveryError
from townsquare.core.events import ScheduledEventInterest
from townsquare.core.sanitize import clean_event

log = logging.getLogger(__name__)


async def interest_changed(
    rest: Rest,
    *,
    bot: str,
    me: int | None,
    scheduled: discord.ScheduledEvent,
    user: discord.abc.User,
    added: bool,
) -> ScheduledEventInterest | None:
    """The event to submit, or None (not the bot's scheduled event, or Discord did not
    answer: the next change reads the count again)."""
    if me is None or scheduled.creator_id != me:
        return None
    route = Route(
        "GET",
        "/guilds/{guild_id}/scheduled-events/{event_id}",
        guild_id=scheduled.guild_id,
        event_id=scheduled.id,
    )
    try:
        data = await rest.request(route, "read scheduled event", params={"with_user_count": "true"})
    except DeliveryError as error:
        log.warning("bot %s: interested count of %s not read: %s", bot, scheduled.id, error)
        return None
    count = data.get("user_count") if isinstance(data, dict) else None
    if not isinstance(count, int):
        return None
    change = "add" if added else "remove"
    return clean_event(
        ScheduledEventInterest(
            platform=PLATFORM,
            bot=bot,
            # The count is part of the id: a redelivered change is one event, a later one
            # (even by the same member) another.
            event_id=f"interest:{scheduled.id}:{user.id}:{change}:{count}",
            occurred_at=datetime.now(UTC),
            community=community(scheduled.guild),
            channel=None,
            actor=actor(user),
            raw={"t": f"GUILD_SCHEDULED_EVENT_USER_{change.upper()}", "d": {"id": scheduled.id}},
            native_id=str(scheduled.id),
            interested=count,
        )
    )
