"""Native mirrors: on a platform with its own event object (Discord's guild scheduled
events) each post of an event gets one, created, changed and cancelled with ours, so the
guild's Events list shows it too. Our post stays the place to answer; platforms without
:attr:`~core.capabilities.Capability.SCHEDULED_EVENTS` get no mirror."""

from __future__ import annotations

from collections.abc import Iterator

from townsquare.core.actions import (
    CancelScheduledEvent,
    CreateScheduledEvent,
    SendDirect,
    UpdateScheduledEvent,
)
from townsquare.core.calendar.store import CalendarEvent, Post
from townsquare.core.capabilities import Capability
from townsquare.core.features import Context
from townsquare.core.i18n import _
from townsquare.core.refs import CommunityRef
from townsquare.core.text import bold, compose

MIRROR_REFUSED = _(
    "Discord refused to add your event #{id} {title} to the server's Events list. Give me "
    "the Manage Events permission there for the next events; this one is posted and "
    "answered as usual."
)


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


def create_mirror(event: CalendarEvent, ctx: Context, *, tell: bool = False) -> None:
    """Each post's mirror; ``tell``: the manager who created the event (the caller) is
    told privately, in their language, if the platform refuses one (once: not for its
    edits, its cancellation or a series' next occurrences, made by jobs)."""
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
                on_failure=_refused_notice(event, ctx) if tell else None,
            )
        )


def _refused_notice(event: CalendarEvent, ctx: Context) -> SendDirect | None:
    actor, channel = ctx.event.actor, ctx.event.channel
    if actor is None or channel is None or not ctx.can(Capability.DIRECT_MESSAGES):
        return None
    return SendDirect(
        bot=ctx.bot.name,
        user_id=actor.user_id,
        display_name=actor.display_name,
        text=compose(ctx.tr(MIRROR_REFUSED), id=str(event.id), title=bold(event.title)),
        fallback_channel=channel,
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
