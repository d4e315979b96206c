"""Helpers for the linked-accounts tests: a Telegram-like and a Discord-like memory
adapter on one runtime, commands as each platform delivers them, a clock moved by the
test, and a look at the actions each bot performed."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.harness import console_runtime
from tests.support import MemoryAdapter
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import Action, SendDirect, SendEphemeral, SendMessage
from townsquare.core.builtin import builtin_features
from townsquare.core.capabilities import Capability
from townsquare.core.commands import split_arguments
from townsquare.core.events import CommandIssued
from townsquare.core.people.feature import People
from townsquare.core.people.rules import ALPHABET
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, MessageRef
from townsquare.storage.people import SqlPeopleStore

C = Capability
TELEGRAM = frozenset({C.BUTTONS, C.EDIT, C.DELETE, C.DIRECT_MESSAGES, C.FILES, C.MESSAGE_CONTENT})
DISCORD = frozenset({C.BUTTONS, C.EDIT, C.DELETE, C.DIRECT_MESSAGES, C.EPHEMERAL, C.FILES})
NOTHING_PRIVATE = frozenset({C.EDIT, C.DELETE, C.MESSAGE_CONTENT})
START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
_ids = itertools.count(1)


class Clock:
    """The pipeline's now, moved by tests; the delivery worker's flows with real time."""

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


@dataclass
class Place:
    """Where a bot of one platform hears commands: a group, or a private chat."""

    bot: str
    platform: str
    clock: Clock
    direct: bool = False
    slash: bool = False
    """Commands arrive as slash-command interactions (Discord, Slack)."""
    community_id: str = "c1"
    channel_id: str = "general"
    seen: list[str] = field(default_factory=list)

    def command(self, who: Actor, text: str) -> CommandIssued:
        name, _, arg_text = text.lstrip("/").partition(" ")
        event_id = str(next(_ids))
        channel = ChannelRef(who.user_id if self.direct else self.channel_id, is_direct=self.direct)
        return CommandIssued(
            platform=self.platform,
            bot=self.bot,
            event_id=event_id,
            occurred_at=self.clock.now,
            community=None if self.direct else CommunityRef(self.platform, self.community_id),
            channel=channel,
            actor=who,
            name=name,
            argv=split_arguments(arg_text),
            arg_text=arg_text,
            message=None if self.slash else MessageRef(channel, event_id),
            interaction_id=f"i-{event_id}" if self.slash else None,
        )


def adapter(bot: str, capabilities: frozenset[Capability]) -> MemoryAdapter:
    return MemoryAdapter(bot, capabilities=capabilities)


@asynccontextmanager
async def running(
    url: str,
    adapters: Mapping[str, MemoryAdapter],
    *,
    clock: Clock,
    defaults: dict[str, Any] | None = None,
) -> AsyncIterator[Runtime]:
    features = [*builtin_features(), People(store=SqlPeopleStore)]
    async with console_runtime(
        url, adapters, clock=clock, features=features, defaults=defaults
    ) as runtime:
        yield runtime


def take(adapter: MemoryAdapter) -> list[Action]:
    """What the adapter performed since the last call."""
    done = list(adapter.performed)
    adapter.performed.clear()
    return done


def private(actions: list[Action], user_id: str) -> list[str]:
    """The texts only ``user_id`` sees: direct messages, ephemeral answers, and what was
    said in their private chat with the bot (whose id is theirs)."""
    return [
        a.text.plain()
        for a in actions
        if (isinstance(a, SendDirect | SendEphemeral) and a.user_id == user_id)
        or (isinstance(a, SendMessage) and a.channel.id == user_id)
    ]


def public(actions: list[Action]) -> list[str]:
    """The texts posted in the group for everyone."""
    return [
        a.text.plain() for a in actions if isinstance(a, SendMessage) and a.channel.id == "general"
    ]


def code_in(texts: list[str]) -> str:
    """The one link code shown in ``texts``."""
    (found,) = {str(match) for text in texts for match in CODE.findall(text)}
    return found


CODE = re.compile(rf"\b[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}\b")
