"""A publishing feature and a listening feature for the facts tests, and a look into the
jobs table where published facts wait for their handlers."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from townsquare.core.commands import CommandSpec, Invocation, Param
from townsquare.core.facts import Fact
from townsquare.core.facts.published import FACT_JOB
from townsquare.core.features import Context, Feature, command, on
from townsquare.storage.models import ScheduledJob

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class Clock:
    """The pipeline's now, moved by tests; the delivery worker's flows with real time."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now
        self._moved_at = time.monotonic()

    def __call__(self) -> datetime:
        return self.now

    def flowing(self) -> datetime:
        return self.now + timedelta(seconds=time.monotonic() - self._moved_at)


@dataclass(frozen=True, slots=True, kw_only=True)
class Told(Fact):
    kind: ClassVar[str] = "test.told"
    word: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Echoed(Fact):
    kind: ClassVar[str] = "test.echoed"
    word: str


TELL = CommandSpec("tell", "Publish a fact", params=(Param("word", "what to tell"),))


class Teller(Feature):
    """``/tell WORD`` publishes :class:`Told`; ``/tell fail`` publishes it, then fails."""

    name = "teller"

    @command(TELL)
    async def tell(self, invocation: Invocation, ctx: Context) -> None:
        word = str(invocation.args["word"])
        community = ctx.event.community
        ctx.publish(
            Told(
                platform=ctx.event.platform,
                community_id=community.id if community else None,
                at=ctx.now,
                word=word,
            )
        )
        if word == "fail":
            raise RuntimeError("the feature fails after publishing")
        ctx.respond(f"told {word}")


class Listener(Feature):
    """Hears :class:`Told` (and, with ``echo``, answers each with :class:`Echoed`, which
    it hears too: a loop the chain limit must stop). What it heard is noted once the
    handling committed, so a rolled-back or repeated handling would show."""

    name = "listener"

    def __init__(self, *, echo: bool = False) -> None:
        self.echo = echo
        self.heard: list[tuple[str, int]] = []
        self.changed = asyncio.Condition()

    @on(Told, Echoed)
    async def hear(self, fact: Fact, ctx: Context) -> None:
        assert isinstance(fact, Told | Echoed)
        depth = ctx.fact_depth
        ctx.after_commit(lambda: self._note(fact.word, depth))
        if self.echo:
            echoed = Echoed(
                platform=fact.platform, community_id=fact.community_id, at=ctx.now, word=fact.word
            )
            ctx.publish(echoed)

    def _note(self, word: str, depth: int) -> None:
        self.heard.append((word, depth))
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def hears(self, count: int, timeout: float = 10) -> None:
        """Wait until ``count`` facts were heard."""
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(lambda: len(self.heard) >= count)


async def fact_jobs(engine: AsyncEngine, status: str | None = None) -> int:
    """How many facts the jobs table holds (in ``status``, if given)."""
    table = ScheduledJob.__table__
    query = select(func.count()).select_from(table).where(table.c.kind == FACT_JOB)
    if status is not None:
        query = query.where(table.c.status == status)
    async with engine.connect() as connection:
        return int(await connection.scalar(query) or 0)
