"""Sends paced by a limit are counted, so /metrics shows when the limits hold traffic."""

from __future__ import annotations

from tests.support import MemoryAdapter, enqueue
from townsquare.core.actions import SendMessage
from townsquare.core.capabilities import RateLimits
from townsquare.core.delivery import DeliveryWorker
from townsquare.core.refs import ChannelRef
from townsquare.core.text import as_text
from townsquare.storage.store import SqlStore


async def test_sends_that_wait_for_their_slot_are_counted(store: SqlStore) -> None:
    adapter = MemoryAdapter(limits=RateLimits(per_bot=1000, per_chat=20, per_chat_window=1))
    worker = DeliveryWorker(store, {"mem": adapter}, poll_interval=0.05)
    await enqueue(
        store,
        *(SendMessage(bot="mem", channel=ChannelRef("c"), text=as_text(str(n))) for n in range(3)),
    )
    worker.start()
    try:
        assert await worker.drain(timeout=10)
    finally:
        await worker.stop()
    assert adapter.texts() == ["0", "1", "2"]
    assert worker.metrics["delivery.limiter_waits"] >= 2, "one chat paced at 20 a second"
