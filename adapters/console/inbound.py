"""Console input -> core events. A line of text is a message, or a command if it starts
with ``/`` (parsed by the same grammar as Telegram text commands)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypedDict

from townsquare.core.commands import CommandSyntaxError, parse_command_text, split_arguments
from townsquare.core.events import (
    ButtonPressed,
    CommandIssued,
    Event,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    ReactionAdded,
)
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, MessageRef, PlatformRole
from townsquare.core.sanitize import sanitized

PLATFORM = "console"


def actor(name: str, managers: frozenset[str]) -> Actor:
    role = PlatformRole.ADMIN if name.lower() in managers else PlatformRole.MEMBER
    return Actor(user_id=name.lower(), display_name=name, platform_role=role)


class Envelope(TypedDict):
    """The fields every console event shares."""

    platform: str
    bot: str
    event_id: str
    occurred_at: datetime
    community: CommunityRef
    channel: ChannelRef
    actor: Actor


class ConsoleMapper:
    """Builds events for one simulated community with one channel, ``#general``."""

    def __init__(self, bot: str, community: str, managers: frozenset[str], session: str) -> None:
        self.bot = bot
        self.community = CommunityRef(PLATFORM, "town", title=community)
        self.channel = ChannelRef("general", title="#general")
        self.managers = managers
        self.session = session
        self._counter = 0
        self.last_message: MessageRef | None = None

    def _envelope(self, who: str) -> Envelope:
        self._counter += 1
        return {
            "platform": PLATFORM,
            "bot": self.bot,
            "event_id": f"{self.session}:{self._counter}",
            "occurred_at": datetime.now(UTC),
            "community": self.community,
            "channel": self.channel,
            "actor": actor(who, self.managers),
        }

    @sanitized
    def join(self, who: str) -> Event:
        envelope = self._envelope(who)
        return MemberJoined(**envelope, member=actor(who, self.managers))

    @sanitized
    def leave(self, who: str) -> Event:
        envelope = self._envelope(who)
        return MemberLeft(**envelope, member=actor(who, self.managers))

    @sanitized
    def say(self, who: str, text: str, *, reply: bool = False) -> Event:
        envelope = self._envelope(who)
        message = MessageRef(self.channel, str(self._counter))
        reply_to = self.last_message if reply else None
        parsed = parse_command_text(text)
        self.last_message = message
        if parsed is None:
            return MessagePosted(**envelope, message=message, text=text, reply_to=reply_to)
        name, arg_text = parsed
        try:
            argv, error = split_arguments(arg_text), None
        except CommandSyntaxError as syntax_error:
            argv, error = (), str(syntax_error)
        return CommandIssued(
            **envelope,
            name=name,
            argv=argv,
            arg_text=arg_text,
            message=message,
            reply_to=reply_to,
            syntax_error=error,
        )

    @sanitized
    def press(self, who: str, data: str) -> Event:
        envelope = self._envelope(who)
        return ButtonPressed(**envelope, data=data, interaction_id=envelope["event_id"])

    @sanitized
    def react(self, who: str, emoji: str) -> Event:
        envelope = self._envelope(who)
        target = self.last_message or MessageRef(self.channel, "0")
        return ReactionAdded(**envelope, message=target, emoji=emoji)
