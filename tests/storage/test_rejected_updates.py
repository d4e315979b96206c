"""An update no adapter could map is stored, not lost, and never stops its neighbours."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support import ALL_CAPABILITIES, said
from townsquare.core.dispatcher import Dispatcher
from townsquare.core.events import Event, MessagePosted, UpdateRejected
from townsquare.core.features import BotInfo, Context, Feature, on
from townsquare.core.pipeline import Pipeline
from townsquare.storage.store import SqlStore


class Seen(Feature):
    name = "seen"

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.kinds: list[str] = []

    @on(MessagePosted)
    async def posted(self, event: MessagePosted, ctx: Context) -> None:
        self.texts.append(event.text)

    @on(Event)
    async def anything(self, event: Event, ctx: Context) -> None:
        self.kinds.append(event.kind)


def rejected(event_id: str, raw: dict[str, object]) -> UpdateRejected:
    return UpdateRejected(
        platform="memory",
        bot="mem",
        event_id=event_id,
        occurred_at=datetime.now(UTC),
        community=None,
        channel=None,
        actor=None,
        raw=raw,
        update_kind="message",
        reason="'chat' is missing",
    )


async def test_a_rejected_update_is_kept_once_with_its_payload(
    migrated_engine: AsyncEngine,
) -> None:
    feature = Seen()
    pipeline = Pipeline(
        SqlStore(migrated_engine),
        Dispatcher([feature], bots={"mem": BotInfo("mem", "memory", ALL_CAPABILITIES)}),
    )
    pipeline.start()
    hostile = {"update_id": 7, "message": {"text": "lone \ud800 surrogate", "big": 2**80}}
    try:
        await pipeline.process(
            [said("before"), rejected("7", hostile), said("after"), rejected("7", hostile)]
        )
        await pipeline.process([rejected("7", hostile)])  # redelivered after a restart
    finally:
        await pipeline.close()
    async with migrated_engine.connect() as connection:
        rows = (await connection.execute(text("SELECT * FROM rejected_updates"))).all()
    assert feature.texts == ["before", "after"]
    assert feature.kinds == ["MessagePosted", "MessagePosted"], "no feature sees the rejected"
    assert len(rows) == 1
    assert (rows[0].update_kind, rows[0].reason) == ("message", "'chat' is missing")
    assert json.loads(rows[0].payload) == hostile
