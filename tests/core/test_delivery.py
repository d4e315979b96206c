"""The delivery worker against the real SQL store and an in-memory adapter."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from core.actions import Action, EditMessage, SendDirect, SendFile, SendMessage
from core.delivery import DeliveryWorker
from core.errors import DirectMessageRefused, PermanentDeliveryError, RateLimited
from core.ratelimit import TokenBucket
from core.text import as_text
from storage.database import create_engine
from storage.migrate import upgrade
from storage.store import SqlStore
from tests.support import CHANNEL, MemoryAdapter


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[SqlStore]:
    engine = create_engine(sqlite_url)
    await upgrade(engine)
    yield SqlStore(engine)
    await engine.dispose()


async def enqueue(store: SqlStore, *actions: Action) -> None:
    async with store.transaction() as tx:
        await tx.enqueue(list(actions), datetime.now(UTC))


def send(text: str, key: str | None = None) -> SendMessage:
    return SendMessage(bot="mem", channel=CHANNEL, text=as_text(text), key=key)


async def deliver(store: SqlStore, adapter: MemoryAdapter, **options: float) -> DeliveryWorker:
    worker = DeliveryWorker(
        store, {"mem": adapter}, backoff_base=0.001, poll_interval=0.05, **options
    )
    worker.start()
    assert await worker.drain(timeout=10)
    await worker.stop()
    return worker


async def test_transient_errors_are_retried_then_sent(store: SqlStore) -> None:
    adapter = MemoryAdapter()
    adapter.failures = [ConnectionError("reset"), TimeoutError("slow")]
    await enqueue(store, send("hello"))
    worker = await deliver(store, adapter)
    assert adapter.texts() == ["hello"]
    (row,) = await store.outbox_status()
    assert (row["status"], row["attempts"]) == ("sent", 3)
    assert worker.metrics["delivery.retries"] == 2


async def test_gives_up_loudly_after_the_bound(
    store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = MemoryAdapter()
    adapter.failures = [ConnectionError("down")] * 3
    await enqueue(store, send("lost cause"))
    with caplog.at_level(logging.ERROR):
        await deliver(store, adapter, max_attempts=3)
    (row,) = await store.outbox_status()
    assert (row["status"], row["attempts"]) == ("failed", 3)
    assert "gave up delivering outbox row" in caplog.text
    assert adapter.performed == []


async def test_permanent_error_fails_at_once(store: SqlStore) -> None:
    adapter = MemoryAdapter()
    adapter.failures = [PermanentDeliveryError("chat not found")]
    await enqueue(store, send("to nowhere"), send("next message still goes"))
    await deliver(store, adapter)
    first, second = await store.outbox_status()
    assert (first["status"], first["attempts"], first["last_error"]) == (
        "failed",
        1,
        "chat not found",
    )
    assert second["status"] == "sent"


async def test_rate_limit_is_waited_out_and_never_counted(store: SqlStore) -> None:
    adapter = MemoryAdapter()
    adapter.failures = [RateLimited("429", retry_after=0.05)] * 3
    await enqueue(store, send("patience"))
    worker = await deliver(store, adapter, max_attempts=2)
    (row,) = await store.outbox_status()
    assert (row["status"], row["attempts"]) == ("sent", 1)
    assert worker.metrics["delivery.rate_limited"] == 3
    assert adapter.texts() == ["patience"]


async def test_refused_direct_message_falls_back_to_a_mention(store: SqlStore) -> None:
    adapter = MemoryAdapter()
    adapter.failures = [DirectMessageRefused("bot was never started")]
    await enqueue(
        store,
        SendDirect(
            bot="mem",
            user_id="u1",
            display_name="Bob",
            text=as_text("your case is recorded"),
            fallback_channel=CHANNEL,
        ),
    )
    await deliver(store, adapter)
    (fallback,) = adapter.performed
    assert isinstance(fallback, SendMessage) and fallback.channel == CHANNEL
    assert fallback.text.plain() == "@Bob your case is recorded"


async def test_refused_private_file_goes_to_the_fallback_channel_with_a_mention(
    store: SqlStore,
) -> None:
    adapter = MemoryAdapter()
    adapter.failures = [DirectMessageRefused("closed DMs")]
    data = bytes(range(256))
    await enqueue(
        store,
        SendFile(
            bot="mem",
            filename="poll-1.csv",
            data=data,
            mime_type="text/csv",
            caption=as_text("Poll #1"),
            user_id="u1",
            display_name="Bob",
            fallback_channel=CHANNEL,
        ),
    )
    await deliver(store, adapter)
    (fallback,) = adapter.performed
    assert isinstance(fallback, SendFile) and fallback.channel == CHANNEL
    assert fallback.user_id is None and fallback.data == data, "bytes survive the outbox"
    assert fallback.caption.plain() == "@Bob Poll #1"
    assert [row["status"] for row in await store.outbox_status()] == ["sent"]


async def test_edits_of_one_message_are_coalesced(store: SqlStore) -> None:
    adapter = MemoryAdapter()
    await enqueue(store, send("tally 0", key="poll:1"))
    await deliver(store, adapter)
    await enqueue(
        store,
        *(EditMessage(bot="mem", key="poll:1", text=as_text(f"tally {n}")) for n in range(1, 8)),
    )
    await deliver(store, adapter, edit_interval=0.0)
    edits = [a for a in adapter.performed if isinstance(a, EditMessage)]
    assert [edit.text.plain() for edit in edits] == ["tally 7"], "only the newest state is sent"
    assert edits[0].message is not None and edits[0].message.message_id == "m1"
    statuses = [row["status"] for row in await store.outbox_status()]
    assert statuses.count("superseded") == 6


async def test_edit_waits_for_its_message_to_be_sent(store: SqlStore) -> None:
    adapter = MemoryAdapter()
    adapter.failures = [ConnectionError("flaky")]
    await enqueue(
        store,
        send("poll", key="poll:2"),
        EditMessage(bot="mem", key="poll:2", text=as_text("poll, one vote")),
    )
    await deliver(store, adapter)
    assert adapter.texts() == ["poll", "poll, one vote"]


def test_token_bucket_spaces_a_burst() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=20 / 60, capacity=3, clock=lambda: now[0])
    assert [bucket.delay() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.delay() == pytest.approx(3.0)
    now[0] += 3.0
    assert bucket.delay() == 0.0
    bucket.pause(10)
    assert bucket.delay() == pytest.approx(10.0), "the next message waits out the 429"


def test_a_batch_stores_only_the_newest_edit_of_a_message() -> None:
    from core.pipeline import coalesce_edits

    edits = [EditMessage(bot="mem", key="poll:1", text=as_text(f"tally {n}")) for n in range(3)]
    other = EditMessage(bot="mem", key="poll:2", text=as_text("other poll"))
    message = send("a reply")
    kept = coalesce_edits([edits[0], message, edits[1], other, edits[2]])
    assert kept == [message, other, edits[2]]
