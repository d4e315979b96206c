"""A single-hop aiosqlite connection for SQLAlchemy's ``sqlite+aiosqlite`` dialect.

aiosqlite runs every sqlite3 call on one worker thread per connection, and each call is a
"hop": a queue put, a wake-up of that thread, and a ``call_soon_threadsafe`` back to the
event loop (tens of microseconds, more when the loop is busy). SQLAlchemy's adapter
(``sqlalchemy.connectors.asyncio.AsyncAdapt_dbapi_cursor``) makes up to four hops per
statement through a standard aiosqlite cursor: ``await connection.cursor()``,
``await cursor.execute()``, ``await cursor.fetchall()`` when the statement returns rows,
and ``await cursor.close()``.

:class:`Connection` keeps aiosqlite's connection (its thread, queue, ``commit``,
``rollback``, ``close``, ``stop`` and everything SQLAlchemy's adapter reaches into) and
changes :meth:`Connection.cursor` (and skips no-op rollbacks, see below): it returns a
:class:`Cursor` made on the event loop, whose ``execute``/``executemany``/
``executescript`` run as ONE call on the worker thread that creates a sqlite3 cursor,
executes, fetches every row when there is a description, reads ``rowcount`` and
``lastrowid`` after that, and closes the sqlite3 cursor.
``fetchone``/``fetchmany``/``fetchall`` then serve the cached rows and ``close`` forgets
them, without a hop. SQLAlchemy buffers every row of an aiosqlite result anyway (its
``_execute_async`` calls ``fetchall`` right after ``execute``), so this changes when rows
are read, never what is read; a ``stream()`` (server-side cursor) result works too, served
from the same buffer.

Cancellation: the worker call is indivisible. If the awaiting task is cancelled, the
statement still runs to its end on the worker thread (as with aiosqlite) and its sqlite3
cursor is closed there, so no half-read statement is ever left open; the
:class:`Cursor` is reset before each call, so a cancelled one reads as empty. Every call,
including ``commit``/``rollback``/``close``, still goes through aiosqlite's one FIFO queue,
so a rollback or close issued after a cancellation runs after the interrupted statement
(a ``BEGIN IMMEDIATE`` that was still waiting for the lock is rolled back, not left open).

One more hop is saved: SQLAlchemy's pool rolls back every connection returned to it,
usually right after a COMMIT, and sqlite3 does nothing then; :meth:`Connection.rollback`
skips that hop when no transaction is open and no call is queued or running on the worker
thread (a cancelled call may still be about to open one).

aiosqlite has no public "run this function on the connection's thread" call, so this
module uses its private ``Connection._execute`` (the entry point of every aiosqlite
method) and ``Connection._conn``; SQLAlchemy's own adapter already relies on ``_tx``,
``_conn``, ``_connection`` and ``_thread``. pyproject.toml therefore pins aiosqlite to the
tested minor version, and :func:`supported` lets :func:`storage.database.create_engine`
fall back to plain aiosqlite if those attributes ever disappear.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Generator, Iterable
from pathlib import Path
from typing import Any

import aiosqlite

Description = tuple[tuple[Any, ...], ...] | None
_Outcome = tuple[Description, list[Any], int, int | None]


def supported() -> bool:
    """Whether the installed aiosqlite has the internals this driver builds on."""
    connection = aiosqlite.Connection
    return all(hasattr(connection, name) for name in ("_execute", "_conn", "cursor", "stop"))


def _outcome(cursor: sqlite3.Cursor) -> _Outcome:
    description = cursor.description
    rows = cursor.fetchall() if description else []
    # Read after fetching: for ``... RETURNING`` sqlite3 counts rows as they are stepped.
    return description, rows, cursor.rowcount, cursor.lastrowid


class Connection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors cost one worker-thread hop per statement."""

    _queued = 0
    """Calls put on the worker's queue through :meth:`_execute` (event loop side)."""
    _finished = 0
    """Of those, calls the worker thread has finished (written on that thread only)."""

    def cursor(self) -> Cursor:  # type: ignore[override]
        """A cursor, made without a hop (awaitable too, like aiosqlite's)."""
        return Cursor(self)

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """aiosqlite's one entry to the worker thread, counting calls in and out."""

        def counted() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                self._finished += 1

        self._queued += 1
        return await super()._execute(counted)  # type: ignore[no-untyped-call]

    def _idle_outside_transaction(self) -> bool:
        """Nothing queued or running on the worker thread and no transaction open.

        Only then is the answer final: a call still queued or running (one whose awaiting
        task was cancelled, say a ``BEGIN IMMEDIATE`` waiting for the lock) may yet open a
        transaction. ``in_transaction`` is aiosqlite's own property, read on the loop."""
        return self._queued == self._finished and not self.in_transaction

    async def rollback(self) -> None:
        """Roll back; without a hop when there is nothing to roll back.

        SQLAlchemy's pool rolls back every connection it gets back, usually just after a
        COMMIT; sqlite3's ``rollback()`` does nothing outside a transaction, so that hop
        is skipped when the worker is idle and no transaction is open."""
        if self._connection is not None and self._idle_outside_transaction():
            return
        await super().rollback()

    async def _hop(self, function: Callable[..., _Outcome], *args: Any) -> _Outcome:
        """The one hop: ``function(*args)`` on the worker thread, through aiosqlite's
        private ``_execute`` (the FIFO queue every aiosqlite call goes through)."""
        outcome: _Outcome = await self._execute(function, *args)
        return outcome

    # Worker-thread bodies (the sqlite3 connection is only touched on that thread).

    def _statement(self, sql: str, parameters: Any) -> _Outcome:
        cursor = self._conn.cursor()
        try:
            if parameters is None:
                cursor.execute(sql)
            else:
                cursor.execute(sql, parameters)
            return _outcome(cursor)
        finally:
            cursor.close()

    def _statement_many(self, sql: str, seq_of_parameters: Iterable[Any]) -> _Outcome:
        cursor = self._conn.cursor()
        try:
            cursor.executemany(sql, seq_of_parameters)
            return _outcome(cursor)
        finally:
            cursor.close()

    def _script(self, script: str) -> _Outcome:
        cursor = self._conn.cursor()
        try:
            cursor.executescript(script)
            return _outcome(cursor)
        finally:
            cursor.close()


class Cursor:
    """The aiosqlite cursor API over rows fetched in the same hop as the statement."""

    __slots__ = (
        "_connection",
        "_position",
        "_rows",
        "arraysize",
        "description",
        "lastrowid",
        "rowcount",
    )

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._rows: list[Any] = []
        self._position = 0
        self.description: Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    def __await__(self) -> Generator[Any, None, Cursor]:
        """``await connection.cursor()`` works as with aiosqlite (no hop)."""
        return self
        yield  # pragma: no cover - makes this a generator

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    def _reset(self) -> None:
        self._rows, self._position = [], 0
        self.description, self.rowcount, self.lastrowid = None, -1, None

    def _store(self, outcome: _Outcome) -> Cursor:
        self.description, self._rows, self.rowcount, self.lastrowid = outcome
        return self

    async def execute(self, sql: str, parameters: Any = None) -> Cursor:
        self._reset()
        connection = self._connection
        return self._store(await connection._hop(connection._statement, sql, parameters))

    async def executemany(self, sql: str, seq_of_parameters: Iterable[Any]) -> Cursor:
        self._reset()
        connection = self._connection
        return self._store(
            await connection._hop(connection._statement_many, sql, seq_of_parameters)
        )

    async def executescript(self, script: str) -> Cursor:
        self._reset()
        connection = self._connection
        return self._store(await connection._hop(connection._script, script))

    async def fetchone(self) -> Any:
        if self._position >= len(self._rows):
            return None
        row = self._rows[self._position]
        self._position += 1
        return row

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        start = self._position
        end = min(len(self._rows), start + (self.arraysize if size is None else size))
        self._position = end
        return self._rows[start:end]

    async def fetchall(self) -> list[Any]:
        rows = self._rows if self._position == 0 else self._rows[self._position :]
        self._rows, self._position = [], 0
        return rows

    async def close(self) -> None:
        self._rows, self._position = [], 0

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Any]:
        while (row := await self.fetchone()) is not None:
            yield row


def connect(database: str | Path, **kwargs: Any) -> Connection:
    """Like :func:`aiosqlite.connect`, returning a single-hop :class:`Connection`.

    ``kwargs`` go to :func:`sqlite3.connect`. The worker thread is a daemon, as SQLAlchemy
    makes it for the connections it opens through aiosqlite itself, so a connection that
    was never closed cannot keep the process alive."""
    location = str(database)

    def connector() -> sqlite3.Connection:
        opened: sqlite3.Connection = sqlite3.connect(location, **kwargs)
        return opened

    connection = Connection(connector, iter_chunk_size=64)
    connection._thread.daemon = True
    return connection
