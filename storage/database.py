"""Engines for the two supported databases.

SQLite (aiosqlite) is the embedded default: WAL with ``synchronous=NORMAL``, foreign keys
on, a busy timeout, and transactions begun by us (pysqlite's own handling breaks SAVEPOINT,
which per-feature isolation relies on): ``BEGIN IMMEDIATE`` for writers, plain ``BEGIN``
for connections from :func:`reader`. Its connections come from
:mod:`storage.sqlite_driver`, which makes every statement one hop to aiosqlite's worker
thread instead of up to four (``single_hop=False`` gives plain aiosqlite, for comparison).
PostgreSQL (asyncpg) is for production and for running several processes.
"""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from townsquare.storage import sqlite_driver

READ_ONLY = "townsquare_read_only"
"""Execution option marking connections that only read (see :func:`reader`)."""


def reader(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, for connections that only read."""
    return engine.execution_options(**{READ_ONLY: True})


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    if not is_sqlite(url):
        return None
    database = make_url(url).database
    return None if not database or database == ":memory:" else Path(database)


def create_engine(url: str, *, single_hop: bool = True, **kwargs: Any) -> AsyncEngine:
    if not is_sqlite(url):
        kwargs.setdefault("pool_pre_ping", True)
        return create_async_engine(url, **kwargs)
    database = make_url(url).database
    if not database or database == ":memory:":
        # Every connection would see a different empty database; keep exactly one.
        kwargs.setdefault("poolclass", NullPool)
    custom = "creator" in kwargs or "async_creator" in kwargs
    if single_hop and not custom and sqlite_driver.supported():
        connect_args = kwargs.pop("connect_args", {})

        async def connect() -> sqlite_driver.Connection:
            # The dialect's own reading of the URL (path, uri=true, timeout...), which
            # SQLAlchemy does not apply to an async_creator.
            sync_engine = engine.sync_engine
            args, params = sync_engine.dialect.create_connect_args(sync_engine.url)
            connection = sqlite_driver.connect(*args, **{**params, **connect_args})
            await connection  # starts its thread and opens the database there
            return connection

        kwargs["async_creator"] = connect
    engine = create_async_engine(url, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Any) -> None:
        # Writers take the write lock up front (no deadlock-prone lock upgrades); readers
        # use a deferred transaction, which in WAL mode never blocks or waits for writers.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


_CONNECT_TIMEOUT = 10.0


def describe_connection_error(error: BaseException, url: str) -> str | None:
    """The operator's words for a database that cannot be used, or None when ``error`` is
    not about reaching or opening it (then it is a bug and keeps its traceback)."""
    parsed = make_url(url)
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    seen: list[BaseException] = []
    node: BaseException | None = error
    while node is not None and node not in seen:
        seen.append(node)
        node = getattr(node, "orig", None) or node.__cause__ or node.__context__
    for item in seen:
        name = type(item).__name__
        text = str(item)
        if name == "InvalidCatalogNameError":
            return (
                f'the database "{parsed.database}" does not exist on {where} '
                f"(create it: createdb {parsed.database}, or fix the name in url)"
            )
        if name in ("InvalidPasswordError", "InvalidAuthorizationSpecificationError"):
            return f"{where} refused user {parsed.username!r}: {text} (fix the user or password)"
        if isinstance(item, ConnectionRefusedError):
            return f"nothing answers on {where} (is PostgreSQL running there? check host and port)"
        if isinstance(item, socket.gaierror):
            return f"the host {parsed.host!r} is not known (check the host name in url)"
        if isinstance(item, TimeoutError):
            return f"no answer from {where} within {_CONNECT_TIMEOUT:.0f} s (host, port, firewall?)"
        if name == "OperationalError" and "unable to open database file" in text:
            return (
                f"cannot open the SQLite file {parsed.database}: its folder does not exist or "
                "is not writable"
            )
        if isinstance(item, PermissionError):
            return f"cannot open {parsed.database}: permission denied"
        if isinstance(item, OSError) and not isinstance(item, FileNotFoundError):
            return f"cannot connect to {where}: {item.strerror or text}"
    return None


async def database_problem(url: str) -> str | None:
    """``check --online``: can this process use the database? A SQLite file that does not
    exist yet is fine (``run`` creates it) and is never created here."""
    if is_sqlite(url):
        database = make_url(url).database
        if (
            not database
            or database == ":memory:"
            or not await asyncio.to_thread(os.path.exists, database)
        ):
            return None
    engine = create_engine(url, connect_args={"timeout": _CONNECT_TIMEOUT})
    try:
        async with asyncio.timeout(_CONNECT_TIMEOUT + 5):
            async with engine.connect() as connection:
                await connection.exec_driver_sql("SELECT 1")
    except Exception as error:
        return describe_connection_error(error, url) or f"cannot use the database: {error}"
    finally:
        await engine.dispose()
    return None
