"""Send slots shared through PostgreSQL by every process of a bot (:mod:`core.ratelimit`).

One row per limit key (``rate_slots``) holds, on the database's clock, the theoretical
time of its next message, when its latest one goes, how many slots it has handed out and
the times of its last ``count`` slots; ``rate_answers`` when the platform answered each
of those (:mod:`storage.ratelimit_sql`). A reservation is one statement: it reads the
chat's next free time and, when the chat is free by the bot's next slot, moves the bot's
row on by one interval (under the row lock, so concurrent processes are handed
consecutive slots) and the chat's row to that slot plus the chat's interval. Answers are
written as they come, those that came meanwhile together, in ``rate_answers`` only, so
they never queue for the bot's row. The bot's row is hot (every message of the bot
updates it) but the update is a single-row primary-key write in its own short
transaction, on connections of the slots' own; and a process asks for a few slots of a
bot at a time (:mod:`core.pacing`).

A chat's row is only read, not locked, before the bot's is updated: a lane is delivered
by one process at a time (:meth:`storage.store.SqlStore.claim_outbox` never splits a
lane), so only at a hand-over could two processes read it at once, and the write takes
the later of both. If the database cannot be reached the process paces on its own
(:class:`core.ratelimit.MemorySlots`) and says so once, rather than stop sending.

SQLite has one process per database file: :func:`send_slots` gives it the in-memory book.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncEngine

from townsquare.core.ratelimit import CATCH_UP, LOST, Hold, Limit, MemorySlots, Slot, SlotBook
from townsquare.storage.database import create_engine
from townsquare.storage.ratelimit_sql import (
    ANSWERED,
    ENSURE,
    PAUSE,
    PRUNE_ANSWERS,
    PRUNE_SLOTS,
    RESERVE,
)

log = logging.getLogger(__name__)

SKEW = 0.003
"""Seconds added to an answer's time turned to the database's clock: the offset this
process learned (:meth:`SqlSlots._learn_offset`) is a little small, by the quickest
answer's way back (well under a millisecond), and another process's, which waits for the
slots this one's answers free, may be a little off the other way."""


class SqlSlots:
    """Implements :class:`core.ratelimit.SlotBook` on PostgreSQL, for several processes."""

    prune_every = 600.0
    """Seconds between deletions of idle rows (by whichever process gets there)."""
    idle = 600.0
    """A row whose next slot is this long past holds no constraint any more."""

    pool_size = 4
    """Connections kept for the slots' statements (more open while more are in flight)."""

    def __init__(self, engine: AsyncEngine) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError("shared send slots need PostgreSQL; use MemorySlots")
        self.engine = create_engine(
            engine.url.render_as_string(hide_password=False),
            pool_size=self.pool_size,
            max_overflow=2 * self.pool_size,
            pool_pre_ping=False,
            isolation_level="AUTOCOMMIT",
        )
        """A pool of the slots' own, every statement its own transaction: a slot is on
        every message's way, one round trip, not behind the store's claims and
        completions for a connection nor a ping of each checkout (a connection the
        database dropped fails one statement, which is then paced in memory, and is
        replaced). The bot's row is locked only while a statement runs."""
        self._answers: list[tuple[str, int, int, float]] = []
        """Answers not written yet: (key, place, seq, when on the database's clock)."""
        self._written: asyncio.Future[None] | None = None
        """Done once the answers queued now are written."""
        self._writer: asyncio.Task[None] | None = None
        self.local = MemorySlots()
        """Used while the database cannot be reached."""
        self._ensured: set[str] = set()
        self._next_prune = time.monotonic() + self.prune_every
        self._degraded = False
        self._offset = 0.0
        """The database's clock minus this host's monotonic one (:meth:`_learn_offset`)."""
        self._offset_at: float | None = None

    async def reserve(self, bot: Limit, chat: Limit | None) -> Slot:
        try:
            slot = await self._reserve(bot, chat)
        except Exception as error:
            if not self._degraded:
                log.warning(
                    "cannot reach the shared send slots (%s); pacing in this process only",
                    error,
                )
                self._degraded = True
            return replace(await self.local.reserve(bot, chat), fallback=True)
        if self._degraded:
            log.info("shared send slots reachable again")
            self._degraded = False
        return slot

    async def _reserve(self, bot: Limit, chat: Limit | None) -> Slot:
        async with self.engine.connect() as connection:
            if bot.key not in self._ensured:
                await connection.execute(ENSURE, {"key": bot.key})
                self._ensured.add(bot.key)
            row = (await connection.execute(RESERVE, _parameters(bot, chat))).one()
            local = time.monotonic()
            if local >= self._next_prune:
                self._next_prune = local + self.prune_every
                await connection.execute(PRUNE_SLOTS, {"idle": self.idle})
                await connection.execute(PRUNE_ANSWERS, {"idle": self.idle})
        offset = self._learn_offset(row.now, local)
        if row.send_at is not None:
            holds = [Hold(bot.key, row.bot_seq, bot.count, bot.window)]
            if chat is not None:
                holds.append(Hold(chat.key, row.chat_seq, chat.count, chat.window))
            # Counted from now on this host: negative if the answer came back late (the
            # sender then sends at once; the window rule counts it from its answer).
            wait = row.send_at - offset - time.monotonic()
            return Slot(wait, reserved=True, at=row.send_at, holds=tuple(holds))
        if row.bot_pending is None:  # the bot's row is gone (pruned): create it again
            self._ensured.discard(bot.key)
            return Slot(0.0, reserved=False)
        if row.chat_pending:
            until = row.chat_expires
        elif (
            not row.bot_pending
            and row.chat_free is not None
            and row.chat_free > row.bot_free + bot.defer
        ):
            until = row.chat_free - bot.defer
        else:  # the message `count` slots back of the bot is not answered yet
            return Slot(bot.interval, reserved=False)
        wait = max(0.0, until - offset - time.monotonic())
        return Slot(wait, reserved=False, chat_busy=True)

    async def sent(self, slot: Slot, at: float | None = None) -> None:
        """Record the answer (with the others that came meanwhile: one statement at a
        time), and return once it is written: the lane's next message may depend on it."""
        answered = time.monotonic() if at is None else at
        if slot.fallback:
            await self.local.sent(slot, answered)
            return
        when = answered + self._offset + SKEW
        rows = [(h.key, h.seq % h.count, h.seq, when) for h in slot.holds if h.window > 0]
        if not rows:
            return
        self._answers.extend(rows)
        if self._written is None:
            self._written = asyncio.get_running_loop().create_future()
        written = self._written
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="townsquare-rate-answers")
        await asyncio.shield(written)

    async def _write(self) -> None:
        while self._answers:
            # One row per key and place (a statement may not update a row twice): the
            # latest slot's, should an answer come after its place was taken over.
            latest = {(row[0], row[1]): row for row in sorted(self._answers, key=_seq)}
            rows, self._answers = list(latest.values()), []
            written, self._written = self._written, None
            try:
                async with self.engine.connect() as connection:
                    await connection.execute(
                        ANSWERED,
                        {
                            "keys": [row[0] for row in rows],
                            "places": [row[1] for row in rows],
                            "seqs": [row[2] for row in rows],
                            "answered": [row[3] for row in rows],
                        },
                    )
            except Exception as error:
                log.warning(
                    "cannot record %d answer(s) in the shared send slots (%s); each counts "
                    "as arrived %.0fs after its slot",
                    len(rows),
                    error,
                    LOST,
                )
            finally:
                if written is not None and not written.done():
                    written.set_result(None)

    async def close(self) -> None:
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)
        await self.engine.dispose()

    def _learn_offset(self, database_now: float, local: float) -> float:
        """The database's clock minus this host's monotonic one. An answer is read some
        time after the database wrote it (the network, a busy event loop), so each one
        gives an offset a little too small; the largest seen is the closest, drifting down
        1 ms a second so the estimate follows the database's clock if it is adjusted."""
        observed = database_now - local
        if self._offset_at is None:
            self._offset = observed
        else:
            self._offset = max(observed, self._offset - 0.001 * (local - self._offset_at))
        self._offset_at = local
        return self._offset

    async def pause(self, limits: Sequence[Limit], seconds: float) -> None:
        await self.local.pause(limits, seconds)
        try:
            async with self.engine.connect() as connection:
                await connection.execute(
                    PAUSE,
                    [{"key": limit.key, "hold": seconds + limit.tolerance} for limit in limits],
                )
        except Exception as error:
            log.warning("cannot hold the shared send slots after a 429: %s", error)


def _seq(row: tuple[str, int, int, float]) -> int:
    return row[2]


def _parameters(bot: Limit, chat: Limit | None) -> dict[str, object]:
    return {
        "lost": LOST,
        "bot": bot.key,
        "bot_interval": bot.interval,
        "bot_tolerance": bot.tolerance,
        "bot_count": bot.count,
        "bot_window": bot.window,
        "bot_defer": bot.defer,
        "bot_spacing": bot.interval * CATCH_UP,
        "chat": "" if chat is None else chat.key,
        "chat_interval": 0.0 if chat is None else chat.interval,
        "chat_tolerance": 0.0 if chat is None else chat.tolerance,
        "chat_count": 1 if chat is None else chat.count,
        "chat_window": 0.0 if chat is None else chat.window,
    }


def send_slots(engine: AsyncEngine) -> SlotBook:
    """The slot book for ``engine``: shared through PostgreSQL, in memory on SQLite."""
    if engine.dialect.name == "postgresql":
        return SqlSlots(engine)
    return MemorySlots()
