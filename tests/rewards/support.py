"""The rewards tests' runtime: memory adapters as console bots (one per platform a test
needs), the rewards feature with seeded dice, a clock the test moves, events as each
platform delivers them, and looks into the wallets."""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.conftest import migrate
from tests.fakes.bots import config
from tests.harness import QUICK_DELIVERY
from tests.support import MemoryAdapter
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import Action, SendDirect, SendEphemeral, SendFile, SendMessage
from townsquare.core.builtin import builtin_features
from townsquare.core.capabilities import Capability
from townsquare.core.commands import split_arguments
from townsquare.core.events import CommandIssued, Event, MessagePosted
from townsquare.core.features import Feature
from townsquare.core.people.feature import People
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, MessageRef, PlatformRole
from townsquare.core.rewards.feature import Rewards
from townsquare.storage.people import SqlPeopleStore, SqlPersonDirectory
from townsquare.storage.rewards import SqlRewardsStore
from townsquare.storage.rewards_models import RewardsWalletRow

C = Capability
TEXT_ONLY = frozenset({C.BUTTONS, C.EDIT, C.DELETE, C.DIRECT_MESSAGES, C.MESSAGE_CONTENT})
"""A platform without files: /rank answers in text."""
WITH_ROLES = TEXT_ONLY | {C.ROLES, C.EPHEMERAL}
START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # a Tuesday
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

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self._moved_at = time.monotonic()


def person(name: str, role: PlatformRole = PlatformRole.MEMBER, **extra: Any) -> Actor:
    return Actor(user_id=name.lower(), display_name=name, platform_role=role, **extra)


def boss(name: str = "Alice") -> Actor:
    return person(name, PlatformRole.ADMIN)


@dataclass
class Chat:
    """A community's channel as one bot hears it."""

    bot: str
    platform: str = "memory"
    community_id: str = "c1"
    channel_id: str = "general"
    clock: Clock = field(default_factory=Clock)

    def _env(self, who: Actor, channel: str | None = None) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "bot": self.bot,
            "event_id": f"{self.bot}-{next(_ids)}",
            "occurred_at": self.clock.now,
            "community": CommunityRef(self.platform, self.community_id, title="Town"),
            "channel": ChannelRef(channel or self.channel_id),
            "actor": who,
        }

    def said(
        self,
        who: Actor,
        text: str,
        *,
        reply_to: Actor | None = None,
        quoted: str | None = None,
        channel: str | None = None,
    ) -> MessagePosted:
        env = self._env(who, channel)
        here = env["channel"]
        return MessagePosted(
            **env,
            message=MessageRef(here, env["event_id"]),
            text=text,
            reply_to=MessageRef(here, "m0") if reply_to is not None else None,
            reply_to_author=reply_to,
            reply_to_text=quoted,
        )

    def command(
        self, who: Actor, text: str, *, reply_to: Actor | None = None, channel: str | None = None
    ) -> CommandIssued:
        name, _, arg_text = text.lstrip("/").partition(" ")
        env = self._env(who, channel)
        here = env["channel"]
        return CommandIssued(
            **env,
            name=name,
            argv=split_arguments(arg_text),
            arg_text=arg_text,
            message=MessageRef(here, env["event_id"]),
            reply_to=MessageRef(here, "m0") if reply_to is not None else None,
            reply_to_author=reply_to,
        )


def features(seed: int = 7) -> list[Feature]:
    directory = SqlPersonDirectory()
    return [
        *builtin_features(),
        People(store=SqlPeopleStore),
        Rewards(store=SqlRewardsStore, persons=directory, roll=random.Random(seed)),
    ]


@asynccontextmanager
async def running(
    url: str,
    adapters: Mapping[str, MemoryAdapter],
    clock: Clock,
    *,
    spaces: list[dict[str, Any]] | None = None,
    extra_features: tuple[Feature, ...] = (),
) -> AsyncIterator[Runtime]:
    await migrate(url)
    consoles = [{"name": name, "platform": "console"} for name in adapters]
    extra: dict[str, Any] = {"spaces": spaces} if spaces else {}
    runtime = Runtime(
        config(url, *consoles, **extra),
        features=[*features(), *extra_features],
        adapters=dict(adapters),
        delivery_options=QUICK_DELIVERY,
    )
    await runtime.start()
    runtime.pipeline.clock = clock
    runtime.scheduler.clock = clock
    runtime.worker.clock = clock.flowing
    await runtime.scheduler.stop()  # the tests fire due jobs and facts themselves (settle)
    try:
        yield runtime
    finally:
        await runtime.stop()


async def play(runtime: Runtime, *events: Event) -> None:
    """Handle ``events`` one at a time, then deliver what they sent and the facts they
    published (and what those facts' handlers sent)."""
    for event in events:
        await runtime.pipeline.submit(event)
    await settle(runtime)


async def settle(runtime: Runtime) -> None:
    """Deliver the outbox, and fire the jobs due (facts, and the facts their handlers
    publish) until none is left."""
    assert await runtime.worker.drain(timeout=10)
    while await runtime.scheduler.run_once():
        assert await runtime.worker.drain(timeout=10)


async def batch(runtime: Runtime, *events: Event) -> None:
    """Handle ``events`` in one batch (one transaction, chunked as the pipeline does)."""
    await runtime.pipeline.process(list(events))
    await settle(runtime)


def take(adapter: MemoryAdapter) -> list[Action]:
    done = list(adapter.performed)
    adapter.performed.clear()
    return done


def texts(actions: list[Action]) -> list[str]:
    found = []
    for action in actions:
        if isinstance(action, SendMessage | SendDirect | SendEphemeral):
            found.append(action.text.plain())
        elif isinstance(action, SendFile):
            found.append(action.caption.plain())
    return found


async def wallets(runtime: Runtime) -> dict[tuple[str, str], tuple[int, int, int]]:
    """``(scope, display name) -> (xp, level, reputation)`` of every wallet."""
    table = RewardsWalletRow.__table__
    async with runtime.store.engine.connect() as connection:
        rows = await connection.execute(select(table))
        return {
            (row.scope, row.display_name): (int(row.xp), row.level, row.reputation) for row in rows
        }


def xp_of(found: Mapping[tuple[str, str], tuple[int, int, int]], name: str) -> int:
    return sum(xp for (_scope, shown), (xp, _level, _rep) in found.items() if shown == name)
