"""Test doubles for the core: an in-memory adapter and event factories."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from townsquare.core.actions import Action, CreateScheduledEvent, SendDirect, SendMessage
from townsquare.core.capabilities import Capability, RateLimits
from townsquare.core.commands import parse_command_text, split_arguments
from townsquare.core.events import ButtonPressed, CommandIssued, MemberJoined, MessagePosted
from townsquare.core.ports import Delivered, EventSink
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, MessageRef, PlatformRole
from townsquare.core.store import Store

ALL_CAPABILITIES = frozenset(Capability)
COMMUNITY = CommunityRef("memory", "c1", title="Test Square")
CHANNEL = ChannelRef("general")
_ids = itertools.count(1)


def member(name: str = "Bob", role: PlatformRole = PlatformRole.MEMBER) -> Actor:
    return Actor(user_id=name.lower(), display_name=name, platform_role=role)


def manager(name: str = "Alice") -> Actor:
    return member(name, PlatformRole.ADMIN)


def envelope(actor: Actor | None, event_id: str | None = None, bot: str = "mem") -> dict[str, Any]:
    return {
        "platform": "memory",
        "bot": bot,
        "event_id": event_id or f"e{next(_ids)}",
        "occurred_at": datetime.now(UTC),
        "community": COMMUNITY,
        "channel": CHANNEL,
        "actor": actor,
    }


def joined(name: str = "Bob", event_id: str | None = None) -> MemberJoined:
    who = member(name)
    return MemberJoined(**envelope(who, event_id), member=who)


def said(text: str, who: Actor | None = None, event_id: str | None = None) -> MessagePosted:
    actor = who or member()
    env = envelope(actor, event_id)
    return MessagePosted(**env, message=MessageRef(CHANNEL, env["event_id"]), text=text)


def command(
    name: str, *argv: str, who: Actor | None = None, event_id: str | None = None
) -> CommandIssued:
    return CommandIssued(**envelope(who or member(), event_id), name=name, argv=argv)


def typed(text: str, who: Actor | None = None) -> CommandIssued:
    """A command exactly as a text platform delivers it: ``argv`` and the raw argument
    text (``/faq add "Q" "A"``)."""
    parsed = parse_command_text(text)
    assert parsed is not None, text
    name, arg_text = parsed
    env = envelope(who or member())
    return CommandIssued(
        **env,
        name=name,
        argv=split_arguments(arg_text),
        arg_text=arg_text,
        message=MessageRef(env["channel"], env["event_id"]),
    )


def pressed(data: str, who: Actor | None = None) -> ButtonPressed:
    env = envelope(who or member())
    return ButtonPressed(**env, data=data, interaction_id=f"i-{env['event_id']}")


class MemoryAdapter:
    """Records performed actions; ``script`` may raise per call to simulate failures."""

    platform = "memory"

    def __init__(
        self,
        bot: str = "mem",
        capabilities: frozenset[Capability] = ALL_CAPABILITIES,
        limits: RateLimits | None = None,
    ) -> None:
        self.bot = bot
        self.capabilities = capabilities
        self.limits = limits or RateLimits(
            per_bot=10_000, per_chat=10_000, per_chat_window=1, burst=10_000
        )
        self.performed: list[Action] = []
        self.failures: list[BaseException] = []
        """Raised, in order, by the next calls to perform."""
        self.sink: EventSink | None = None
        self._changed = asyncio.Condition()
        self._sent = 0

    async def start(self, sink: EventSink) -> None:
        self.sink = sink

    async def stop(self) -> None:
        self.sink = None

    async def close(self) -> None:
        pass

    async def perform(self, action: Action) -> Delivered:
        if self.failures:
            raise self.failures.pop(0)
        async with self._changed:
            self.performed.append(action)
            self._changed.notify_all()
        if isinstance(action, SendMessage | SendDirect):
            self._sent += 1
            channel = action.channel if isinstance(action, SendMessage) else ChannelRef("dm")
            return Delivered((MessageRef(channel, f"m{self._sent}"),))
        if isinstance(action, CreateScheduledEvent):
            return Delivered((MessageRef(ChannelRef(action.community.id), f"se-{action.key}"),))
        return Delivered()

    async def wait_for(
        self, predicate: Callable[[list[Action]], bool], timeout: float = 10.0
    ) -> list[Action]:
        """Wait until ``predicate(performed)`` holds (no sleeping: woken on each action)."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: predicate(self.performed)), timeout
            )
        return self.performed

    def texts(self) -> list[str]:
        return [a.text.plain() for a in self.performed if hasattr(a, "text")]


async def enqueue(store: Store, *actions: Action) -> None:
    """Put ``actions`` in ``store``'s outbox, as a feature's transaction would."""
    async with store.transaction() as tx:
        await tx.enqueue(list(actions), datetime.now(UTC))
