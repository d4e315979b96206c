"""Fixtures of the core tests that need a real outbox: a migrated SQLite store."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from townsquare.storage.database import create_engine
from townsquare.storage.migrate import upgrade
from townsquare.storage.store import SqlStore


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[SqlStore]:
    engine = create_engine(sqlite_url)
    await upgrade(engine)
    yield SqlStore(engine)
    await engine.dispose()
