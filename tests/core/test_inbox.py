"""The managers' inbox: community setting first, then ``[defaults] escalate_to``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from tests.support import ALL_CAPABILITIES, COMMUNITY, joined
from townsquare.core.features import BotInfo, Context
from townsquare.core.inbox import Inbox, managers_inbox, set_managers_inbox
from townsquare.core.refs import ChannelRef
from townsquare.core.roles import Role
from townsquare.storage.database import create_engine
from townsquare.storage.migrate import upgrade
from townsquare.storage.store import SqlStore, SqlTransaction

BOTS = {
    "tg": BotInfo("tg", "telegram", ALL_CAPABILITIES),
    "slack": BotInfo("slack", "slack", ALL_CAPABILITIES),
}


@pytest.fixture
async def tx(sqlite_url: str) -> AsyncIterator[SqlTransaction]:
    engine = create_engine(sqlite_url)
    await upgrade(engine)
    async with SqlStore(engine).transaction() as transaction:
        yield transaction
    await engine.dispose()


def context(tx: SqlTransaction, escalate_to: str | None = None) -> Context:
    return Context(
        event=joined(),
        tx=tx,
        role=Role.MANAGER,
        bot=BOTS["tg"],
        now=datetime.now(UTC),
        bots=BOTS,
        escalate_to=escalate_to,
    )


async def test_no_inbox_anywhere(tx: SqlTransaction) -> None:
    assert await managers_inbox(context(tx)) is None


async def test_config_fallback_and_community_setting_wins(tx: SqlTransaction) -> None:
    ctx = context(tx, escalate_to="tg:-100200")
    assert await managers_inbox(ctx) == Inbox("tg", ChannelRef("-100200"))
    await set_managers_inbox(ctx, COMMUNITY, "slack", ChannelRef("C042", thread_id="171.5"))
    assert await managers_inbox(ctx) == Inbox("slack", ChannelRef("C042", thread_id="171.5"))


async def test_inbox_on_a_bot_that_is_not_running_is_ignored(tx: SqlTransaction) -> None:
    ctx = context(tx, escalate_to="gone:-1")
    assert await managers_inbox(ctx) is None
    await set_managers_inbox(ctx, COMMUNITY, "gone", ChannelRef("C1"))
    assert await managers_inbox(ctx) is None
