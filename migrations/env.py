"""Alembic environment for SQLite and PostgreSQL.

``storage.migrate`` passes an open connection in ``config.attributes["connection"]``; the
plain ``alembic`` command line works too, reading ``sqlalchemy.url`` (or the
``TOWNSQUARE_DATABASE_URL`` environment variable) and opening its own async engine.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from alembic import context

from townsquare.storage.schema import metadata

config = context.config
target_metadata = metadata


def _configure(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine(url: str) -> None:
    from townsquare.storage.database import create_engine

    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_configure)
    finally:
        await engine.dispose()


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    url = os.environ.get("TOWNSQUARE_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set TOWNSQUARE_DATABASE_URL or sqlalchemy.url")
    asyncio.run(_run_with_own_engine(url))


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run against a database")
run()
