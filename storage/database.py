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

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage import sqlite_driver

READ_ONLY = "townsquare_read_only"
"""Execution option marking connections that only read (see :func:`reader`)."""


def reader(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, for connections that only read."""
    return engine.execution_options(**{READ_ONLY: True})


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


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
