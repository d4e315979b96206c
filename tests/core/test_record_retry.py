"""A row that was sent while its completion cannot be written (the database gone for a
moment) is recorded once the database answers, and never sent a second time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import OperationalError

from tests.support import MemoryAdapter, enqueue
from townsquare.core.actions import SendMessage
from townsquare.core.delivery import DeliveryWorker
from townsquare.core.refs import ChannelRef
from townsquare.core.store import OutboxItem
from townsquare.core.text import as_text
from townsquare.storage.store import SqlStore


class CutAfterSend(SqlStore):
    """Refuses the first ``cuts`` completions, as a database that just went away would."""

    cuts = 3

    async def outbox_done(self, item: OutboxItem, status: str, now: datetime, **kw: Any) -> None:
        if self.cuts:
            self.cuts -= 1
            raise OperationalError("UPDATE outbox", {}, ConnectionRefusedError("gone"))
        await super().outbox_done(item, status, now, **kw)


async def test_a_keyed_send_whose_completion_fails_is_not_sent_again(store: SqlStore) -> None:
    cut = CutAfterSend(store.engine)
    adapter = MemoryAdapter()
    worker = DeliveryWorker(
        cut, {"mem": adapter}, lease_seconds=1.0, backoff_base=0.01, poll_interval=0.05
    )
    await enqueue(
        cut,
        SendMessage(bot="mem", channel=ChannelRef("c"), text=as_text("card"), key="case:1"),
    )
    worker.start()
    try:
        assert await worker.drain(timeout=10)
    finally:
        await worker.stop()
    assert adapter.texts() == ["card"]
    assert cut.cuts == 0
    assert await cut.sent_message("mem", "case:1") is not None
