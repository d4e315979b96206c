"""What the tickets' feature tests share: memory bots with each platform's capabilities
(from the announcements' support), and the events a member and a manager cause."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from tests.announcements.support import Bot, Clock, play, tick, town
from townsquare.core.actions import Action, SendDirect, SendMessage
from townsquare.core.commands import split_arguments
from townsquare.core.events import ButtonPressed, CommandIssued, MessagePosted
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, MessageRef, PlatformRole

__all__ = ["Bot", "Clock", "play", "tick", "town"]

_ids = itertools.count(1)
MANAGER = Actor("mo", "Mo", platform_role=PlatformRole.ADMIN)
MEMBER = Actor("bob", "Bob")


def _envelope(bot: str, platform: str, when: datetime, who: Actor) -> dict[str, Any]:
    return {
        "platform": platform,
        "bot": bot,
        "event_id": f"t{next(_ids)}",
        "occurred_at": when,
        "actor": who,
    }


def direct(
    bot: str, platform: str, when: datetime, text: str, who: Actor = MEMBER
) -> MessagePosted:
    """A private message to the bot (no community, as Telegram and Discord send them)."""
    env = _envelope(bot, platform, when, who)
    channel = ChannelRef(f"dm-{who.user_id}", is_direct=True)
    return MessagePosted(
        **env,
        community=None,
        channel=channel,
        message=MessageRef(channel, env["event_id"]),
        text=text,
    )


def said(
    bot: str,
    platform: str,
    community: str,
    channel: str,
    when: datetime,
    text: str,
    who: Actor = MEMBER,
    *,
    reply_to: str | None = None,
    thread: str | None = None,
) -> MessagePosted:
    env = _envelope(bot, platform, when, who)
    where = ChannelRef(channel, thread_id=thread)
    return MessagePosted(
        **env,
        community=CommunityRef(platform, community, title="Town"),
        channel=where,
        message=MessageRef(where, env["event_id"]),
        text=text,
        reply_to=MessageRef(where, reply_to) if reply_to else None,
    )


def typed(
    bot: str,
    platform: str,
    community: str,
    channel: str,
    when: datetime,
    name: str,
    arg_text: str,
    who: Actor = MANAGER,
) -> CommandIssued:
    env = _envelope(bot, platform, when, who)
    where = ChannelRef(channel)
    return CommandIssued(
        **env,
        community=CommunityRef(platform, community, title="Town"),
        channel=where,
        name=name,
        argv=split_arguments(arg_text),
        arg_text=arg_text,
        message=MessageRef(where, env["event_id"]),
    )


def texts(actions: list[Action], kind: type[Any] = SendMessage) -> list[str]:
    return [a.text.plain() for a in actions if isinstance(a, kind)]


def directs(actions: list[Action]) -> list[SendDirect]:
    return [a for a in actions if isinstance(a, SendDirect)]


def pressed(
    bot: str,
    platform: str,
    community: str,
    channel: str,
    when: datetime,
    data: str,
    message_id: str,
    who: Actor = MANAGER,
) -> ButtonPressed:
    env = _envelope(bot, platform, when, who)
    where = ChannelRef(channel)
    return ButtonPressed(
        **env,
        community=CommunityRef(platform, community, title="Town"),
        channel=where,
        data=data,
        interaction_id=f"i{env['event_id']}",
        message=MessageRef(where, message_id),
    )
