"""Which processes run which bot, so deployments that cannot work are refused at start.

Two rules need to know about other processes:

* SQLite serves one ``townsquare run`` process: a second one on the same file would make
  both slow and, worse, let each believe it is alone (limits, Telegram polling). An
  exclusive ``flock`` on ``<database>.lock`` (holding the owner's pid) is taken for the
  process's lifetime; the kernel drops it when the process dies, even by SIGKILL.
* A Telegram bot is received either by one polling process or by any number of webhook
  processes behind a balancer, never both: a polling process calls ``deleteWebhook`` and
  steals the updates of the others. Each process records the bots it runs and how in
  ``bot_processes``, refreshed every :data:`HEARTBEAT`; a row not refreshed for
  :data:`LIVE_FOR`, or whose process on this host is gone, is stale and ignored.

The registry also ends the leases of the dead: a delivery worker leases outbox rows under
its process's :attr:`BotProcesses.owner`, so at every start and heartbeat the pending rows
leased by a process known to be dead are handed back at once
(:meth:`BotProcesses.reclaim`): after a SIGKILL the next start on this host takes them over
as soon as it runs, and a survivor on this host within one heartbeat, instead of when the
dead process's 30 s leases run out. A process on another host is never taken for dead (its
heartbeat may only be late); its leases run out by themselves. On SQLite the lock proves no
other process is alive, so every other owner's lease, and every job lease, is handed back
at start.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO
from uuid import uuid4

from sqlalchemy import Table, delete, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from townsquare.storage.intake_models import BotProcessRow
from townsquare.storage.models import OutboxMessage, ScheduledJob

log = logging.getLogger(__name__)

HEARTBEAT = 10.0
"""Seconds between refreshes of this process's rows."""
LIVE_FOR = timedelta(seconds=30)
"""A row not refreshed for this long belongs to a process that is gone."""

TELEGRAM = frozenset({"telegram", "telegram-ptb"})

_rows: Table = BotProcessRow.__table__  # type: ignore[assignment]
_outbox: Table = OutboxMessage.__table__  # type: ignore[assignment]
_jobs: Table = ScheduledJob.__table__  # type: ignore[assignment]

HOST = socket.gethostname()[:40]
"""This host's name as owners carry it (cut so an owner fits the outbox's 64 characters)."""


class SqliteInUse(RuntimeError):
    """Another process holds the SQLite database."""


class SqliteLock:
    """An exclusive lock on a SQLite database file for this process's lifetime."""

    def __init__(self, url: str) -> None:
        database = make_url(url).database
        self.path = None if not database or database == ":memory:" else Path(database)
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        if self.path is None:
            return
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            handle = lock_path.open("a+", encoding="utf-8")
        except OSError:
            return  # no such folder: opening the database fails next, with its own message
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise SqliteInUse(
                f"{self.path} is in use by another townsquare process "
                f"(pid {holder}); SQLite serves one process: stop the other one, or use "
                'PostgreSQL for several ([storage] url = "postgresql+asyncpg://user@host/db")'
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def receive_mode(platform: str, config_mode: str | None) -> str:
    """How a process receives a bot's updates, as recorded in ``bot_processes``."""
    if platform in TELEGRAM:
        return config_mode or "polling"
    return config_mode or "connected"


def conflict(platform: str, mode: str, others: list[str]) -> str | None:
    """Why this process may not run a bot next to live ``others`` (their modes), if so."""
    if platform not in TELEGRAM or not others:
        return None
    elsewhere = ", ".join(sorted(set(others)))
    if mode == "polling":
        return (
            "another townsquare process already runs this Telegram bot "
            f"({elsewhere}); long polling takes one process per bot (it deletes the webhook "
            'and takes the updates of the others): run one process, or mode = "webhook" '
            "on every process behind a load balancer"
        )
    if "polling" in others:
        return (
            "another townsquare process receives this Telegram bot by "
            "long polling, which deletes the webhook this process needs: stop it, or set "
            'mode = "webhook" on every process'
        )
    return None


def _this_host_pid_gone(owner: str) -> bool:
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != HOST or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class BotProcesses:
    """This process's rows in ``bot_processes``."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.owner = f"{HOST}:{os.getpid()}:{uuid4().hex[:8]}"
        """This process, as its registry rows and its outbox leases name it."""
        self._bots: dict[str, str] = {}

    async def register(
        self, bots: Mapping[str, tuple[str, str]], now: datetime
    ) -> list[tuple[str, str]]:
        """Record ``bots`` (name -> (platform, mode)) unless one conflicts with a live
        process; return the problems as (config key, message): nothing is recorded then."""
        async with self.engine.begin() as connection:
            await self._serialize(connection)
            await self._forget_stale(connection, now)
            rows = (
                await connection.execute(
                    select(_rows.c.bot, _rows.c.mode).where(
                        _rows.c.bot.in_(list(bots)), _rows.c.owner != self.owner
                    )
                )
            ).all()
            others: dict[str, list[str]] = {}
            for row in rows:
                others.setdefault(row.bot, []).append(row.mode)
            problems = [
                (f"bots ({name}).mode", problem)
                for name, (platform, mode) in bots.items()
                if (problem := conflict(platform, mode, others.get(name, []))) is not None
            ]
            if problems:
                return problems
            await connection.execute(delete(_rows).where(_rows.c.owner == self.owner))
            self._bots = {name: mode for name, (_platform, mode) in bots.items()}
            if bots:
                await connection.execute(_rows.insert(), self._own_rows(now))
        return []

    async def refresh(self, now: datetime) -> None:
        """The heartbeat: mark this process's rows seen (writing them again if another
        process took them for stale, e.g. after a long database cut), then hand back the
        leases of the processes that are gone."""
        if not self._bots:
            return
        async with self.engine.begin() as connection:
            await self._serialize(connection)
            seen = await connection.execute(
                update(_rows).where(_rows.c.owner == self.owner).values(seen_at=now)
            )
            if (seen.rowcount or 0) < len(self._bots):
                await connection.execute(delete(_rows).where(_rows.c.owner == self.owner))
                await connection.execute(_rows.insert(), self._own_rows(now))
        await self.reclaim(now)

    async def reclaim(self, now: datetime, *, alone: bool = False) -> int:
        """Hand back the outbox leases of processes known to be dead: on this host, a pid
        that is gone; when ``alone`` (a SQLite process holding the lock), every other
        owner, and every job lease too. Return how many outbox rows were handed back.

        Only positive evidence counts: a process elsewhere whose heartbeat is late (a
        starved event loop, a database cut) may still be sending its rows, and its leases
        run out by themselves within one lease anyway."""
        async with self.engine.begin() as connection:
            await self._serialize(connection)
            await self._forget_stale(connection, now)
            leased = _outbox.c.status == "pending", _outbox.c.locked_by.is_not(None)
            owners = (
                await connection.execute(select(_outbox.c.locked_by).where(*leased).distinct())
            ).scalars()
            dead = [
                owner
                for owner in owners
                if owner != self.owner and (alone or _this_host_pid_gone(owner))
            ]
            handed = 0
            if dead:
                result = await connection.execute(
                    update(_outbox)
                    .where(*leased, _outbox.c.locked_by.in_(dead))
                    .values(locked_until=None, locked_by=None)
                )
                handed = int(result.rowcount or 0)
            if alone:
                await connection.execute(
                    update(_jobs)
                    .where(_jobs.c.status == "pending", _jobs.c.locked_until.is_not(None))
                    .values(locked_until=None)
                )
        if handed:
            log.info(
                "handed back %d outbox lease(s) of %d process(es) that are gone", handed, len(dead)
            )
        return handed

    def _own_rows(self, now: datetime) -> list[dict[str, object]]:
        return [
            {"bot": name, "owner": self.owner, "mode": mode, "started_at": now, "seen_at": now}
            for name, mode in self._bots.items()
        ]

    async def release(self) -> None:
        if not self._bots:
            return
        async with self.engine.begin() as connection:
            await connection.execute(delete(_rows).where(_rows.c.owner == self.owner))
        self._bots = {}

    async def _serialize(self, connection: AsyncConnection) -> None:
        """Two processes starting at once must not both see the other absent."""
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(7415301)"))

    async def _forget_stale(self, connection: AsyncConnection, now: datetime) -> None:
        await connection.execute(delete(_rows).where(_rows.c.seen_at < now - LIVE_FOR))
        owners = (await connection.execute(select(_rows.c.owner).distinct())).scalars().all()
        gone = [owner for owner in owners if _this_host_pid_gone(owner)]
        if gone:
            await connection.execute(delete(_rows).where(_rows.c.owner.in_(gone)))
