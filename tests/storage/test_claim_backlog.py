"""A claim stays quick over a backlog the planner knows nothing about yet.

An outbox that grew fast (a backlog after an outage, before autovacuum analysed the table)
has statistics saying it is empty; with them PostgreSQL ran the lanes' ranking once per
pending row, and one claim over 14,000 pending rows took 76 s while delivery stood still
(the full-size chaos run lost 10,851 effects that way). The claim's parts are now each
evaluated once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from townsquare.core.actions import SendMessage, action_to_payload
from townsquare.core.refs import ChannelRef
from townsquare.core.text import as_text
from townsquare.storage.database import create_engine
from townsquare.storage.migrate import upgrade
from townsquare.storage.store import SqlStore
from townsquare.storage.tables import outbox

NOW = datetime(2026, 12, 3, 17, tzinfo=UTC)
PENDING = 8_000


async def test_a_claim_over_a_fresh_backlog_answers_at_once(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    await upgrade(engine)
    payload = action_to_payload(SendMessage(bot="tg", channel=ChannelRef("1"), text=as_text("hi")))
    async with engine.begin() as connection:
        await connection.execute(
            outbox.insert(),
            [
                {
                    "bot": "tg",
                    "kind": "send_message",
                    "lane": f"tg:chat:{n % 3_000}",
                    "payload": payload,
                    "status": "pending",
                    "attempts": 0,
                    "created_at": NOW,
                    "next_attempt_at": NOW - timedelta(seconds=1),
                }
                for n in range(PENDING)
            ],
        )
    store = SqlStore(engine)
    try:
        claim = store.claim_outbox(
            ["tg"], NOW, limit=100, lease_seconds=30, owner="me", exclude={1, 2}, per_lane=20
        )
        # A bound for a hang, not a measurement: the old plan took tens of seconds here.
        rows = [item.id for item in await asyncio.wait_for(claim, 10)]
        assert len(rows) == 100
        assert rows == sorted(rows) and not {1, 2} & set(rows)
    finally:
        await engine.dispose()
