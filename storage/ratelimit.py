"""Send slots shared through PostgreSQL by every process of a bot (:mod:`core.ratelimit`).

One row per limit key (``rate_slots``) holds the theoretical time of its next message on
the database's clock. A reservation is one statement, one round trip per message: it
reads the chat's next free time and, when the chat is free by the bot's next slot, moves
the bot's row on by one interval (``greatest(next_at, now) + interval``, under the row
lock, so concurrent processes are handed consecutive slots) and the chat's row to that
slot plus the chat's interval. The bot's row is hot (every message of the bot updates it)
but the update is a single-row primary-key write in its own short transaction; 30 to 50
of them a second are nothing for PostgreSQL.

A chat's row is only read, not locked, before the bot's is updated: a lane is delivered
by one process at a time (:meth:`storage.store.SqlStore.claim_outbox` never splits a
lane), so only at a hand-over could two processes read it at once, and the write takes
the later of both. If the database cannot be reached the process paces on its own
(:class:`core.ratelimit.MemorySlots`) and says so once, rather than stop sending.

SQLite has one process per database file: :func:`send_slots` gives it the in-memory book.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from townsquare.core.ratelimit import Limit, MemorySlots, Slot, SlotBook

log = logging.getLogger(__name__)

_RESERVE = text(
    """
WITH free AS (
    SELECT greatest(
        coalesce((SELECT next_at FROM rate_slots WHERE key = :chat), 0),
        CAST(:not_before AS float8)
    ) - CAST(:chat_tolerance AS float8) AS at
),
bot AS (
    UPDATE rate_slots
    SET next_at = greatest(next_at, extract(epoch FROM clock_timestamp()))
        + CAST(:bot_interval AS float8)
    WHERE key = :bot
      AND (CAST(:again AS boolean) OR (SELECT at FROM free) <= greatest(
          next_at - CAST(:bot_tolerance AS float8), extract(epoch FROM clock_timestamp())
      ))
    RETURNING greatest(
        next_at - CAST(:bot_interval AS float8) - CAST(:bot_tolerance AS float8),
        least(extract(epoch FROM clock_timestamp()), next_at - CAST(:bot_interval AS float8))
    )::float8 AS send_at, extract(epoch FROM clock_timestamp())::float8 AS now
),
chat AS (
    INSERT INTO rate_slots (key, next_at)
    SELECT :chat, send_at + CAST(:chat_interval AS float8) FROM bot WHERE :chat <> ''
    ON CONFLICT (key) DO UPDATE SET next_at = greatest(
        greatest(rate_slots.next_at, CAST(:not_before AS float8))
            + CAST(:chat_charge AS float8),
        excluded.next_at
    )
)
SELECT (SELECT send_at FROM bot) AS send_at, (SELECT at FROM free) AS chat_free,
       coalesce((SELECT now FROM bot), extract(epoch FROM clock_timestamp())::float8) AS now
"""
)
"""The clock is read where the bot's row is updated, after its lock was granted: a
process that waited for another's update gets a wait counted from when its own slot was
written, not from before the wait."""

_ENSURE = text(
    "INSERT INTO rate_slots (key, next_at) VALUES (:key, 0) ON CONFLICT (key) DO NOTHING"
)

_PAUSE = text(
    """
INSERT INTO rate_slots (key, next_at)
VALUES (:key, extract(epoch FROM clock_timestamp())::float8 + CAST(:hold AS float8))
ON CONFLICT (key) DO UPDATE SET next_at = greatest(rate_slots.next_at, excluded.next_at)
"""
)

_PRUNE = text(
    "DELETE FROM rate_slots "
    "WHERE next_at < extract(epoch FROM clock_timestamp())::float8 - CAST(:idle AS float8)"
)


class SqlSlots:
    """Implements :class:`core.ratelimit.SlotBook` on PostgreSQL, for several processes."""

    prune_every = 600.0
    """Seconds between deletions of idle rows (by whichever process gets there)."""
    idle = 600.0
    """A row whose next slot is this long past holds no constraint any more."""

    def __init__(self, engine: AsyncEngine) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError("shared send slots need PostgreSQL; use MemorySlots")
        self.engine = engine
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        """Each statement its own transaction: one round trip, and the bot's row is locked
        only while the statement runs (not for a COMMIT's round trip more)."""
        self.local = MemorySlots()
        """Used while the database cannot be reached."""
        self._ensured: set[str] = set()
        self._next_prune = time.monotonic() + self.prune_every
        self._degraded = False
        self._offset = 0.0
        """The database's clock minus this host's monotonic one (:meth:`_learn_offset`)."""
        self._offset_at: float | None = None

    async def reserve(
        self,
        bot: Limit,
        chat: Limit | None,
        *,
        again: bool = False,
        not_before: float | None = None,
    ) -> Slot:
        try:
            slot = await self._reserve(bot, chat, again, not_before)
        except Exception as error:
            if not self._degraded:
                log.warning(
                    "cannot reach the shared send slots (%s); pacing in this process only",
                    error,
                )
                self._degraded = True
            return await self.local.reserve(bot, chat, again=again, not_before=not_before)
        if self._degraded:
            log.info("shared send slots reachable again")
            self._degraded = False
        return slot

    async def _reserve(
        self, bot: Limit, chat: Limit | None, again: bool, not_before: float | None
    ) -> Slot:
        async with self._autocommit.connect() as connection:
            if bot.key not in self._ensured:
                await connection.execute(_ENSURE, {"key": bot.key})
                self._ensured.add(bot.key)
            row = (
                await connection.execute(
                    _RESERVE,
                    {
                        "bot": bot.key,
                        "bot_interval": bot.interval,
                        "bot_tolerance": bot.tolerance,
                        "chat": "" if chat is None else chat.key,
                        "chat_interval": 0.0 if chat is None else chat.interval,
                        "chat_tolerance": 0.0 if chat is None else chat.tolerance,
                        "chat_charge": 0.0 if chat is None or again else chat.interval,
                        "again": again,
                        "not_before": 0.0 if not_before is None else not_before + self._offset,
                    },
                )
            ).one()
            local = time.monotonic()
            if local >= self._next_prune:
                self._next_prune = local + self.prune_every
                await connection.execute(_PRUNE, {"idle": self.idle})
        offset = self._learn_offset(row.now, local)
        if row.send_at is not None:
            # Counted from now on this host: negative if the answer came back too late to
            # use the slot (the sender then takes a new one, core.sending.LATE).
            wait = row.send_at - offset - time.monotonic()
            return Slot(wait, reserved=True, at=row.send_at)
        if row.chat_free <= row.now:  # the bot's row is gone (pruned): create it again
            self._ensured.discard(bot.key)
        return Slot(max(0.0, row.chat_free - offset - time.monotonic()), reserved=False)

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
            async with self._autocommit.connect() as connection:
                await connection.execute(
                    _PAUSE,
                    [{"key": limit.key, "hold": seconds + limit.tolerance} for limit in limits],
                )
        except Exception as error:
            log.warning("cannot hold the shared send slots after a 429: %s", error)


def send_slots(engine: AsyncEngine) -> SlotBook:
    """The slot book for ``engine``: shared through PostgreSQL, in memory on SQLite."""
    if engine.dialect.name == "postgresql":
        return SqlSlots(engine)
    return MemorySlots()
