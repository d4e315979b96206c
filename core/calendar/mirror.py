"""Native mirrors: on a platform with its own event object (Discord's guild scheduled
events) each post of an event gets one, created, changed and cancelled with ours, so the
guild's Events list shows it too. Our post stays the place to answer; platforms without
:attr:`~core.capabilities.Capability.SCHEDULED_EVENTS` get no mirror."""

from __future__ import annotations

from collections.abc import Iterator

from townsquare.core.actions import (
    CancelScheduledEvent,
    CreateScheduledEvent,
    UpdateScheduledEvent,
)
from townsquare.core.calendar.store import CalendarEvent, Post
from townsquare.core.capabilities import Capability
from townsquare.core.features import Context
from townsquare.core.refs import CommunityRef


def mirror_key(post: Post) -> str:
    return f"{post.key}:mirror"


def _mirrored(event: CalendarEvent, ctx: Context) -> Iterator[tuple[Post, CommunityRef]]:
    for post in event.posts:
        bot = ctx.bots.get(post.bot)
        if (
            bot is not None
            and Capability.SCHEDULED_EVENTS in bot.capabilities
            and post.community_id is not None
        ):
            yield post, CommunityRef(post.platform, post.community_id)


def _description(event: CalendarEvent) -> str:
    return f"#{event.id} · /event {event.id}"


def create_mirror(event: CalendarEvent, ctx: Context) -> None:
    for post, community in _mirrored(event, ctx):
        ctx.emit(
            CreateScheduledEvent(
                bot=post.bot,
                community=community,
                key=mirror_key(post),
                name=event.title,
                starts_at=event.starts_at,
                ends_at=event.ends_at,
                location=event.details.where or event.title,
                description=_description(event),
            )
        )


def update_mirror(event: CalendarEvent, ctx: Context) -> None:
    for post, community in _mirrored(event, ctx):
        ctx.emit(
            UpdateScheduledEvent(
                bot=post.bot,
                community=community,
                key=mirror_key(post),
                name=event.title,
                starts_at=event.starts_at,
                ends_at=event.ends_at,
                location=event.details.where or event.title,
                description=_description(event),
            )
        )


def cancel_mirror(event: CalendarEvent, ctx: Context) -> None:
    for post, community in _mirrored(event, ctx):
        ctx.emit(CancelScheduledEvent(bot=post.bot, community=community, key=mirror_key(post)))
