"""What the announcement tests share: memory bots that look like each platform (their real
capabilities), a clock the test moves, commands typed in one community, and a runtime with
every built-in feature and a space of those communities."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.harness import console_runtime
from tests.support import MemoryAdapter
from townsquare.adapters.console.outbound import CAPABILITIES as CONSOLE
from townsquare.adapters.discord.outbound import CAPABILITIES as DISCORD
from townsquare.adapters.slack.outbound import CAPABILITIES as SLACK
from townsquare.adapters.telegram.outbound import CAPABILITIES as TELEGRAM
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import Action, SendMessage
from townsquare.core.commands import split_arguments
from townsquare.core.events import CommandIssued
from townsquare.core.ports import Delivered
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, MessageRef, PlatformRole

CAPABILITIES = {"telegram": TELEGRAM, "discord": DISCORD, "slack": SLACK, "console": CONSOLE}
START = datetime(2027, 3, 26, 8, 0, tzinfo=UTC)  # a Friday, 09:00 in Rome
MANAGER = Actor("alice", "Alice", platform_role=PlatformRole.ADMIN)
MEMBER = Actor("bob", "Bob")
_ids = itertools.count(1)


class Clock:
    """Now for the pipeline and the scheduler, moved by the test; the delivery worker's
    clock also flows with real time, so its short waits still come due."""

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


class Bot(MemoryAdapter):
    """A memory bot with ``platform``'s capabilities; each keyed message is reported as
    ``msg-<key>``, as a platform reports the message it created."""

    def __init__(self, bot: str, platform: str) -> None:
        super().__init__(bot, capabilities=CAPABILITIES[platform])
        self.platform = platform  # type: ignore[misc]

    async def perform(self, action: Action) -> Delivered:
        delivered = await super().perform(action)
        if isinstance(action, SendMessage) and action.key:
            return Delivered((MessageRef(action.channel, f"msg-{action.key}"),))
        return delivered

    def take(self) -> list[Action]:
        """What it performed since the last call."""
        done = list(self.performed)
        self.performed.clear()
        return done


@dataclass
class Where:
    """One community and channel as one bot sees them."""

    bot: str
    platform: str
    community_id: str
    channel_id: str = "general"
    clock: Clock | None = None

    @property
    def place(self) -> str:
        """As ``[[spaces]]`` names it."""
        return f"{self.bot}:{self.community_id}/{self.channel_id}"

    def command(
        self, arg_text: str, *, who: Actor = MANAGER, name: str = "announce"
    ) -> CommandIssued:
        """``/name arg_text`` typed in the channel (no interaction: answers are public)."""
        event_id = f"a{next(_ids)}"
        channel = ChannelRef(self.channel_id)
        return CommandIssued(
            platform=self.platform,
            bot=self.bot,
            event_id=event_id,
            occurred_at=self.clock.now if self.clock else datetime.now(UTC),
            community=CommunityRef(self.platform, self.community_id, title="Town"),
            channel=channel,
            actor=who,
            name=name,
            argv=split_arguments(arg_text),
            arg_text=arg_text,
            message=MessageRef(channel, event_id),
        )


@asynccontextmanager
async def town(
    url: str, bots: Mapping[str, Bot], clock: Clock, spaces: Sequence[dict[str, Any]] = ()
) -> AsyncIterator[Runtime]:
    """A started runtime with every built-in feature on ``bots``."""
    async with console_runtime(url, bots, clock=clock, spaces=spaces) as runtime:
        yield runtime


async def play(runtime: Runtime, *events: Any) -> None:
    """Submit events one by one and deliver what they caused."""
    for event in events:
        await runtime.pipeline.submit(event)
    assert await runtime.worker.drain(timeout=15)


async def tick(runtime: Runtime) -> int:
    """Fire the jobs due now (as the scheduler's loop would) and deliver; how many fired."""
    fired = await runtime.scheduler.run_once()
    assert await runtime.worker.drain(timeout=15)
    return fired


def posts(actions: Iterable[Action]) -> list[SendMessage]:
    return [a for a in actions if isinstance(a, SendMessage) and not a.reply_to]


def answers(actions: Iterable[Action]) -> list[str]:
    """What the caller was answered (replies to the command)."""
    return [a.text.plain() for a in actions if isinstance(a, SendMessage) and a.reply_to]
