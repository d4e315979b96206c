"""Helpers for escalation tests: platform-shaped memory adapters, event factories for one
community, a controllable clock and a runtime with the escalation feature (keying
warnings by person, as the composition root does)."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.harness import console_runtime
from tests.support import MemoryAdapter
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import Action
from townsquare.core.builtin import builtin_features
from townsquare.core.capabilities import Capability
from townsquare.core.escalation.feature import Escalation
from townsquare.core.escalation.policy import EscalationPolicy
from townsquare.core.escalation.signals import Detector
from townsquare.core.events import ButtonPressed, CommandIssued, MessagePosted, ReactionAdded
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, MessageRef, PlatformRole
from townsquare.storage.escalation import SqlEscalationStore
from townsquare.storage.people import SqlPersonDirectory

C = Capability
TELEGRAM = frozenset(
    {C.BUTTONS, C.EDIT, C.DELETE, C.DIRECT_MESSAGES, C.RESTRICT, C.REMOVE, C.REACTIONS}
    | {C.THREADS, C.FILES, C.MESSAGE_CONTENT}
)
DISCORD = frozenset(
    {C.BUTTONS, C.EDIT, C.DELETE, C.DIRECT_MESSAGES, C.RESTRICT, C.REMOVE, C.REACTIONS}
    | {C.THREADS, C.EPHEMERAL, C.FILES}
)
SLACK = frozenset(
    {C.BUTTONS, C.EDIT, C.DELETE, C.DIRECT_MESSAGES, C.EPHEMERAL, C.REACTIONS}
    | {C.THREADS, C.FILES, C.MESSAGE_CONTENT}
)
CONSOLE = frozenset(
    {C.EDIT, C.DELETE, C.DIRECT_MESSAGES, C.EPHEMERAL, C.RESTRICT, C.REMOVE}
    | {C.REACTIONS, C.MESSAGE_CONTENT}
)
CAPABILITIES = {"telegram": TELEGRAM, "discord": DISCORD, "slack": SLACK, "console": CONSOLE}

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
_ids = itertools.count(1)


class Clock:
    """The runtime's notion of now, moved by tests instead of sleeping.

    The pipeline and the scheduler read the frozen ``now``; the delivery worker reads
    :meth:`flowing`, which also moves with real time, so its own short retry delays (an
    edit waiting one second for the message it edits) still come due.
    """

    def __init__(self, now: datetime = START) -> None:
        self.now = now
        self._moved_at = time.monotonic()

    def __call__(self) -> datetime:
        return self.now

    def flowing(self) -> datetime:
        return self.now + timedelta(seconds=time.monotonic() - self._moved_at)

    def advance(self, delta: timedelta) -> None:
        self.now += delta
        self._moved_at = time.monotonic()


def person(
    name: str, role: PlatformRole = PlatformRole.MEMBER, user_id: str | None = None
) -> Actor:
    return Actor(user_id or name.lower(), name, platform_role=role)


@dataclass
class Place:
    """One community and channel as a bot of one platform sees them; builds its events."""

    bot: str
    platform: str
    community_id: str = "c1"
    channel_id: str = "general"
    title: str = "Test Square"
    clock: Clock = field(default_factory=Clock)
    direct: bool = False
    """A private chat with the bot: no community (as Telegram and Slack DMs arrive)."""

    @property
    def community(self) -> CommunityRef:
        return CommunityRef(self.platform, self.community_id, title=self.title)

    @property
    def channel(self) -> ChannelRef:
        return ChannelRef(self.channel_id, title=f"#{self.channel_id}", is_direct=self.direct)

    def _envelope(self, actor: Actor | None, event_id: str | None) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "bot": self.bot,
            "event_id": event_id or str(next(_ids)),
            "occurred_at": self.clock.now,
            "community": None if self.direct else self.community,
            "channel": self.channel,
            "actor": actor,
        }

    def say(
        self,
        who: Actor,
        text: str,
        *,
        reply_to: MessagePosted | None = None,
        author_known: bool = True,
    ) -> MessagePosted:
        envelope = self._envelope(who, None)
        return MessagePosted(
            **envelope,
            message=MessageRef(self.channel, envelope["event_id"]),
            text=text,
            reply_to=reply_to.message if reply_to else None,
            reply_to_author=reply_to.actor if reply_to and author_known else None,
            reply_to_text=reply_to.text if reply_to and author_known else None,
        )

    def command(
        self,
        name: str,
        arg_text: str = "",
        *,
        who: Actor,
        reply_to: MessagePosted | None = None,
        interaction: bool = False,
        author_known: bool = True,
    ) -> CommandIssued:
        from townsquare.core.commands import split_arguments

        envelope = self._envelope(who, None)
        return CommandIssued(
            **envelope,
            name=name,
            argv=split_arguments(arg_text),
            arg_text=arg_text,
            message=None if interaction else MessageRef(self.channel, envelope["event_id"]),
            reply_to=reply_to.message if reply_to else None,
            reply_to_author=reply_to.actor if reply_to and author_known else None,
            reply_to_text=reply_to.text if reply_to and author_known else None,
            interaction_id=f"i-{envelope['event_id']}" if interaction else None,
        )

    def press(self, data: str, *, who: Actor, text: str | None = None) -> ButtonPressed:
        """A press of the button ``data``; with ``text``, the submission of its form."""
        envelope = self._envelope(who, None)
        return ButtonPressed(
            **envelope, data=data, interaction_id=f"i-{envelope['event_id']}", text=text
        )

    def react(self, emoji: str, *, who: Actor, on: MessagePosted) -> ReactionAdded:
        return ReactionAdded(
            **self._envelope(who, None), message=on.message, emoji=emoji, message_author=None
        )


def adapter(bot: str, platform: str) -> MemoryAdapter:
    """A memory adapter that looks like ``platform`` (its name and capabilities)."""
    made = MemoryAdapter(bot, capabilities=CAPABILITIES[platform])
    made.platform = platform  # type: ignore[misc]
    return made


@asynccontextmanager
async def running(
    url: str,
    adapters: Mapping[str, MemoryAdapter],
    *,
    clock: Clock,
    escalate_to: str | None = None,
    managers: Iterable[str] = (),
    policy: EscalationPolicy | None = None,
    detectors: list[Detector] | None = None,
) -> AsyncIterator[Runtime]:
    defaults: dict[str, Any] = {"managers": list(managers)}
    if escalate_to:
        defaults["escalate_to"] = escalate_to
    feature = Escalation(
        store=SqlEscalationStore, policy=policy, detectors=detectors, people=SqlPersonDirectory()
    )
    async with console_runtime(
        url, adapters, clock=clock, features=[*builtin_features(), feature], defaults=defaults
    ) as runtime:
        yield runtime


def texts(actions: Iterable[Action], kind: type[Any] | None = None) -> list[str]:
    return [
        action.text.plain()
        for action in actions
        if hasattr(action, "text") and (kind is None or isinstance(action, kind))
    ]


def take(adapter: MemoryAdapter) -> list[Action]:
    """What the adapter performed since the last call."""
    done = list(adapter.performed)
    adapter.performed.clear()
    return done
