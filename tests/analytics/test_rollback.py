"""A handler that fails counts nothing: analytics defers its writes to the end of the batch
transaction, and what a failed handler had added is dropped with its feature scope."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.harness import console_runtime
from tests.people.support import Clock
from tests.support import MemoryAdapter
from townsquare.core.analytics.feature import Analytics
from townsquare.core.context import Context
from townsquare.core.events import MessagePosted
from townsquare.core.refs import Actor, ChannelRef, CommunityRef, MessageRef
from townsquare.storage.analytics_models import AnalyticsDayRow

START = datetime(2026, 9, 1, 12, tzinfo=UTC)


def said(n: int, user: str) -> MessagePosted:
    channel = ChannelRef("general")
    return MessagePosted(
        platform="telegram",
        bot="tg",
        event_id=f"r{n}",
        occurred_at=START,
        community=CommunityRef("telegram", "g1"),
        channel=channel,
        actor=Actor(user, user.title()),
        message=MessageRef(channel, f"m{n}"),
        text=f"message {n}",
    )


async def test_a_failed_handler_leaves_no_count(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up = Analytics._person

    async def person(self: Analytics, ctx: Context, platform: str, user_id: str) -> int:
        if user_id == "mallory":
            raise RuntimeError("the person directory failed for this one")
        return await looked_up(self, ctx, platform, user_id)

    monkeypatch.setattr(Analytics, "_person", person)
    async with console_runtime(database_url, {"tg": MemoryAdapter("tg")}, clock=Clock(START)) as (
        runtime
    ):
        for n, user in enumerate(("alice", "mallory", "bob")):
            await runtime.pipeline.submit(said(n, user))
        async with runtime.store.transaction() as tx:
            messages = await tx.connection.scalar(select(func.sum(AnalyticsDayRow.messages)))
            active = await tx.connection.scalar(select(func.sum(AnalyticsDayRow.active)))
    assert (messages, active) == (2, 2), "the failed handler's message was counted"
