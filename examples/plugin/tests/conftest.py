"""A karma feature over a real, migrated SQLite database: townsquare's own dispatcher
binds the commands, each event runs in a batch transaction as in a running bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

import pytest
from townsquare import CommandIssued, Feature
from townsquare.core.actions import Action, SendEphemeral, SendMessage
from townsquare.core.dispatcher import Dispatcher
from townsquare.core.events import Event
from townsquare.core.features import BotInfo
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, MessageRef, PlatformRole
from townsquare.core.scheduler import job_event
from townsquare.storage.database import create_engine
from townsquare.storage.migrate import upgrade
from townsquare.storage.store import SqlStore

from townsquare_karma import Karma

TOWN = CommunityRef("console", "town", "Town")
HALL = ChannelRef("hall")
ALICE = Actor("alice", "Alice")
BOB = Actor("bob", "Bob")
CAROL = Actor("carol", "Carol")
ROBOT = Actor("robot", "Robot", is_bot=True)
MANAGER = Actor("olga", "Olga", platform_role=PlatformRole.ADMIN)


@dataclass
class Town:
    """Members typing commands; each returns what the bot answered, as plain text."""

    store: SqlStore
    dispatcher: Dispatcher
    ids: count[int]

    async def say(
        self,
        who: Actor,
        text: str,
        *,
        reply_to: Actor | None = None,
        message: int = 1,
        private: bool = False,
    ) -> list[str]:
        """``private``: in a direct chat with the bot, outside the community."""
        name, _, rest = text.removeprefix("/").partition(" ")
        event = CommandIssued(
            platform="console",
            bot="town",
            event_id=str(next(self.ids)),
            occurred_at=datetime.now(UTC),
            community=None if private else TOWN,
            channel=ChannelRef(who.user_id, is_direct=True) if private else HALL,
            actor=who,
            name=name,
            argv=tuple(rest.split()),
            arg_text=rest,
            reply_to=MessageRef(HALL, str(message)) if reply_to else None,
            reply_to_author=reply_to,
        )
        actions = await self._handle(event)
        while due := await self.store.claim_jobs(
            ["town"], datetime.now(UTC), limit=100, lease_seconds=30
        ):
            for job in due:  # the facts published, handled after commit as the bot does
                actions += await self._handle(job_event(job))
        return [
            action.text.plain()
            for action in actions
            if isinstance(action, SendMessage | SendEphemeral)
        ]

    async def _handle(self, event: Event) -> list[Action]:
        """One event in a transaction of its own, as the pipeline runs a chunk."""
        async with self.store.transaction() as tx:
            actions = await self.dispatcher.dispatch(event, tx, datetime.now(UTC))
            await self.dispatcher.finish(tx)
            await tx.flush()
        return actions


async def town_of(url: str, *features: Feature) -> AsyncIterator[Town]:
    engine = create_engine(url)
    await upgrade(engine, locations=[Karma.migrations])  # townsquare's schema and karma's
    dispatcher = Dispatcher(list(features), bots={"town": BotInfo("town", "console", frozenset())})
    try:
        yield Town(SqlStore(engine), dispatcher, count(1))
    finally:
        await engine.dispose()


@pytest.fixture
async def town(tmp_path: Path) -> AsyncIterator[Town]:
    async for made in town_of(f"sqlite+aiosqlite:///{tmp_path / 'town.db'}", Karma()):
        yield made
