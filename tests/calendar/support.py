"""The events tests' runtime: a memory adapter that reports each keyed message under the
id ``msg-<key>`` (so a press can be made on the event's post), a clock moved by the test,
and commands and presses as the platforms deliver them."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from tests.harness import console_runtime
from tests.support import MemoryAdapter, manager
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import (
    Action,
    AnswerButton,
    EditMessage,
    SendDirect,
    SendEphemeral,
    SendFile,
    SendMessage,
)
from townsquare.core.builtin import builtin_features
from townsquare.core.calendar.feature import Events
from townsquare.core.commands import parse_command_text, split_arguments
from townsquare.core.events import ButtonPressed, CommandIssued
from townsquare.core.facts.events import EventAttended
from townsquare.core.features import Context, Feature, on
from townsquare.core.ports import Delivered
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, MessageRef
from townsquare.storage.calendar import SqlEventStore
from townsquare.storage.people import SqlPersonDirectory

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
COMMUNITY = CommunityRef("memory", "c1", title="Test Square")
CHANNEL = ChannelRef("general")
ALICE = manager("Alice")
_ids = itertools.count(1)


class Clock:
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


class EventAdapter(MemoryAdapter):
    async def perform(self, action: Action) -> Delivered:
        delivered = await super().perform(action)
        if isinstance(action, SendMessage) and action.key:
            return Delivered((MessageRef(action.channel, f"msg-{action.key}"),))
        return delivered

    def sent(self) -> list[SendMessage]:
        return [a for a in self.performed if isinstance(a, SendMessage)]

    def directs(self) -> list[SendDirect]:
        return [a for a in self.performed if isinstance(a, SendDirect)]

    def toasts(self) -> list[str]:
        return [a.toast for a in self.performed if isinstance(a, AnswerButton)]

    def answers(self) -> list[str]:
        return [
            a.text.plain() for a in self.performed if isinstance(a, SendMessage | SendEphemeral)
        ]

    def files(self) -> list[SendFile]:
        return [a for a in self.performed if isinstance(a, SendFile)]

    def card(self, event_id: int = 1) -> str:
        """The newest text of the event's post."""
        return self.card_of(f"event:{event_id}")

    def card_of(self, key: str) -> str:
        """The newest text of the post under ``key``."""
        texts = [
            a.text.plain()
            for a in self.performed
            if isinstance(a, SendMessage | EditMessage) and a.key == key
        ]
        return texts[-1]

    def clear(self) -> None:
        self.performed.clear()


def envelope(who: Actor, clock: Clock) -> dict[str, object]:
    return {
        "platform": "memory",
        "bot": "mem",
        "event_id": f"e{next(_ids)}",
        "occurred_at": clock.now,
        "community": COMMUNITY,
        "channel": CHANNEL,
        "actor": who,
    }


def typed(text: str, who: Actor, clock: Clock) -> CommandIssued:
    parsed = parse_command_text(text)
    assert parsed is not None, text
    name, arg_text = parsed
    env = envelope(who, clock)
    return CommandIssued(
        **env,  # type: ignore[arg-type]
        name=name,
        argv=split_arguments(arg_text),
        arg_text=arg_text,
        message=MessageRef(CHANNEL, str(env["event_id"])),
    )


def press(data: str, who: Actor, clock: Clock, key: str | None = None) -> ButtonPressed:
    env = envelope(who, clock)
    key = key or f"event:{data.split(':')[1]}"
    return ButtonPressed(
        **env,  # type: ignore[arg-type]
        data=data,
        interaction_id=f"i-{env['event_id']}",
        message=MessageRef(CHANNEL, f"msg-{key}"),
    )


class Attendance(Feature):
    """Hears :class:`EventAttended` as rewards would; notes each once it committed."""

    name = "test-attendance"

    def __init__(self) -> None:
        self.heard: list[tuple[int, str]] = []
        self.changed = asyncio.Condition()

    @on(EventAttended)
    async def attended(self, fact: EventAttended, ctx: Context) -> None:
        ctx.after_commit(lambda: self._note(fact.event_id, fact.user_id))

    def _note(self, event_id: int, user_id: str) -> None:
        self.heard.append((event_id, user_id))
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def hears(self, count: int, timeout: float = 10) -> None:
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(lambda: len(self.heard) >= count)


def features(*extra: Feature) -> list[Feature]:
    return [
        *builtin_features(),
        Events(store=SqlEventStore, persons=SqlPersonDirectory()),
        *extra,
    ]


@asynccontextmanager
async def events_runtime(
    url: str, adapter: MemoryAdapter, clock: Clock, *extra: Feature
) -> AsyncIterator[Runtime]:
    async with console_runtime(
        url, {"mem": adapter}, clock=clock, features=features(*extra)
    ) as runtime:
        yield runtime


async def play(runtime: Runtime, *events: object) -> None:
    for event in events:
        await runtime.pipeline.submit(event)  # type: ignore[arg-type]
    assert await runtime.worker.drain(timeout=15)


async def fire_due(runtime: Runtime) -> int:
    """Fire every job due at the test clock's now, and deliver what they emitted."""
    fired = await runtime.scheduler.run_once()
    assert await runtime.worker.drain(timeout=15)
    return fired
