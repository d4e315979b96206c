"""The delivery worker against the real SQL store and an in-memory adapter."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from tests.support import CHANNEL, MemoryAdapter, enqueue
from townsquare.core.actions import AnswerButton, EditMessage, SendDirect, SendFile, SendMessage
from townsquare.core.delivery import DeliveryWorker
from townsquare.core.errors import DirectMessageRefused, PermanentDeliveryError, RateLimited
from townsquare.core.text import as_text
from townsquare.storage.store import SqlStore


def send(text: str, key: str | None = None) -> SendMessage:
    return SendMessage(bot="mem", channel=CHANNEL, text=as_text(text), key=key)


async def deliver(store: SqlStore, adapter: MemoryAdapter, **options: Any) -> DeliveryWorker:
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


async def test_a_fallback_text_is_never_edited_into_the_private_message(store: SqlStore) -> None:
    adapter = MemoryAdapter()
    adapter.failures = [DirectMessageRefused("bot was never started")]
    private = SendDirect(
        bot="mem",
        user_id="u1",
        display_name="Alice",
        text=as_text("Case #1: the whole story"),
        fallback_channel=CHANNEL,
        fallback_text=as_text("Alice, there is a new case"),
        key="case:1:dm:u1",
    )
    await enqueue(store, private)
    await deliver(store, adapter)
    await enqueue(store, EditMessage(bot="mem", key="case:1:dm:u1", text=as_text("claimed")))
    await deliver(store, adapter)
    (note,) = adapter.performed
    assert isinstance(note, SendMessage) and note.text.plain() == "Alice, there is a new case"
    assert await store.sent_message("mem", "case:1:dm:u1") is None
    assert [row["status"] for row in await store.outbox_status()] == ["sent", "failed"]


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


def test_a_batch_stores_only_the_newest_edit_of_a_message() -> None:
    from townsquare.core.pipeline import coalesce_edits

    edits = [EditMessage(bot="mem", key="poll:1", text=as_text(f"tally {n}")) for n in range(3)]
    other = EditMessage(bot="mem", key="poll:2", text=as_text("other poll"))
    message = send("a reply")
    kept = coalesce_edits([edits[0], message, edits[1], other, edits[2]])
    assert kept == [message, other, edits[2]]


# -- group commit of completions ------------------------------------------------------------


class GatedFlushes(SqlStore):
    """A store whose grouped completions can be held (``gate``) or fail (``fail`` times,
    after taking the marks, like a database that went away mid-flush)."""

    def __init__(self, store: SqlStore, fail: int = 0) -> None:
        super().__init__(store.engine)
        self.fail = fail
        self.gate = asyncio.Event()
        self.gate.set()
        self.flushes: list[int] = []

    async def outbox_done_many(
        self, take: Callable[[], Sequence[tuple[int, str, int]]], now: datetime
    ) -> int:
        await self.gate.wait()
        if self.fail:
            self.fail -= 1
            take()
            raise OperationalError("UPDATE outbox", {}, Exception("disk I/O error"))
        marked = await super().outbox_done_many(take, now)
        self.flushes.append(marked)
        return marked


def toast(n: int) -> AnswerButton:
    return AnswerButton(bot="mem", interaction_id=f"i{n}", toast=f"Vote recorded {n}")


def count_statements(store: SqlStore, prefix: str) -> list[str]:
    seen: list[str] = []

    @event.listens_for(store.engine.sync_engine, "before_cursor_execute")
    def _seen(*args: object) -> None:
        statement = str(args[2])
        if statement.startswith(prefix):
            seen.append(statement)

    return seen


async def test_completions_are_marked_done_together(store: SqlStore) -> None:
    adapter = MemoryAdapter()
    await enqueue(store, *(toast(n) for n in range(40)))
    updates = count_statements(store, "UPDATE outbox SET status")
    worker = await deliver(store, adapter)
    assert len(adapter.performed) == 40
    rows = await store.outbox_status()
    assert {(row["status"], row["attempts"], row["last_error"]) for row in rows} == {
        ("sent", 1, None)
    }
    assert all(row["finished_at"] is not None and row["locked_until"] is None for row in rows)
    assert worker.metrics["delivery.flushed_rows"] == 40
    assert len(updates) == worker.metrics["delivery.flushes"] < 40, "grouped, not one per row"


async def test_a_completion_that_stores_a_message_id_is_not_delayed(store: SqlStore) -> None:
    gated = GatedFlushes(store)
    gated.gate.clear()  # grouped marks never land in this test
    adapter = MemoryAdapter()
    await enqueue(store, send("poll", key="poll:9"))
    worker = DeliveryWorker(gated, {"mem": adapter}, poll_interval=0.05)
    worker.start()
    assert await worker.drain(timeout=10), "a keyed send commits on its own"
    assert (await store.sent_message("mem", "poll:9")) is not None
    assert [row["status"] for row in await store.outbox_status()] == ["sent"]
    await worker.stop(grace=0.1)


async def test_drain_waits_for_pending_flushes(store: SqlStore) -> None:
    gated = GatedFlushes(store)
    gated.gate.clear()
    adapter = MemoryAdapter()
    await enqueue(store, toast(1), toast(2))
    worker = DeliveryWorker(gated, {"mem": adapter}, poll_interval=0.05)
    worker.start()
    await adapter.wait_for(lambda performed: len(performed) == 2)
    assert not await worker.drain(timeout=0.3), "sent, but not marked yet"
    assert {row["status"] for row in await store.outbox_status()} == {"pending"}
    gated.gate.set()
    assert await worker.drain(timeout=10)
    assert {row["status"] for row in await store.outbox_status()} == {"sent"}
    assert gated.flushes == [2]
    await worker.stop()


async def test_a_crash_before_the_flush_sends_the_row_again_after_its_lease(
    store: SqlStore,
) -> None:
    gated = GatedFlushes(store)
    gated.gate.clear()
    adapter = MemoryAdapter()
    await enqueue(store, toast(1))
    worker = DeliveryWorker(gated, {"mem": adapter}, poll_interval=0.05, lease_seconds=60)
    worker.start()
    await adapter.wait_for(lambda performed: len(performed) == 1)
    await worker.stop(grace=0.05)  # the flush never got the writer: as good as a crash
    (row,) = await store.outbox_status()
    assert row["status"] == "pending" and row["locked_until"] is not None
    assert not await store.claim_outbox(
        ["mem"], datetime.now(UTC), limit=10, lease_seconds=60, owner="other"
    ), "still leased"
    later = datetime.now(UTC) + timedelta(seconds=61)
    restarted = DeliveryWorker(store, {"mem": adapter}, poll_interval=0.05, clock=lambda: later)
    restarted.start()
    assert await restarted.drain(timeout=10)
    await restarted.stop()
    assert [a.toast for a in adapter.performed if isinstance(a, AnswerButton)] == [
        "Vote recorded 1",
        "Vote recorded 1",
    ], "at least once: sent again after the restart"
    assert [row["status"] for row in await store.outbox_status()] == ["sent"]


async def test_a_delivered_row_waiting_for_its_flush_keeps_its_lease(store: SqlStore) -> None:
    gated = GatedFlushes(store)
    gated.gate.clear()
    adapter = MemoryAdapter()
    await enqueue(store, toast(1))
    worker = DeliveryWorker(
        gated, {"mem": adapter}, poll_interval=0.05, lease_seconds=1.0, flush_window=0.01
    )
    worker.start()
    await adapter.wait_for(lambda performed: len(performed) == 1)
    other = DeliveryWorker(store, {"mem": adapter}, poll_interval=0.02, lease_seconds=1.0)
    other.start()  # another process on the same database, claiming all the time
    (row,) = await store.outbox_status()
    first_lease_ends = row["locked_until"]
    # Wait until the lease has been renewed past two more lease lengths (the worker renews
    # it every third of one), giving the other worker every chance to take the row; a
    # second send ends the wait early and fails below.
    while (await store.outbox_status())[0]["locked_until"] < first_lease_ends + timedelta(
        seconds=2
    ):
        with contextlib.suppress(TimeoutError):
            await adapter.wait_for(lambda performed: len(performed) > 1, timeout=0.1)
            break
    assert len(adapter.performed) == 1, "never re-claimed while the mark waits"
    gated.gate.set()
    assert await worker.drain(timeout=10)
    await other.stop()
    await worker.stop()
    assert len(adapter.performed) == 1
    assert [row["status"] for row in await store.outbox_status()] == ["sent"]


def test_the_flush_window_is_bounded_by_the_lease(store: SqlStore) -> None:
    with pytest.raises(ValueError, match="flush_window"):
        DeliveryWorker(store, {"mem": MemoryAdapter()}, lease_seconds=10, flush_window=2)
    worker = DeliveryWorker(store, {"mem": MemoryAdapter()}, lease_seconds=10, flush_window=1)
    assert worker.flush_window == 1


async def test_a_failed_flush_is_retried_and_loses_no_mark(
    store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    gated = GatedFlushes(store, fail=1)
    adapter = MemoryAdapter()
    await enqueue(store, toast(1), toast(2), toast(3))
    worker = DeliveryWorker(gated, {"mem": adapter}, poll_interval=0.05, backoff_base=0.01)
    worker.start()
    with caplog.at_level(logging.WARNING):
        assert await worker.drain(timeout=10)
    await worker.stop()
    assert "cannot mark" in caplog.text
    assert worker.metrics["delivery.flush_errors"] == 1
    assert sum(gated.flushes) == 3
    assert len(adapter.performed) == 3, "nothing sent twice"
    assert {(row["status"], row["attempts"]) for row in await store.outbox_status()} == {
        ("sent", 1)
    }


async def test_each_created_message_carries_its_outbox_row_as_idempotency_key(
    store: SqlStore,
) -> None:
    """Stable across retries and processes: Discord drops a repeated nonce."""
    from townsquare.core.actions import action_from_payload, action_to_payload

    adapter = MemoryAdapter()
    adapter.failures = [ConnectionError("reset")]
    direct = SendDirect(bot="mem", user_id="u1", display_name="Bob", text=as_text("hi"))
    await enqueue(store, send("hello"), direct)
    await deliver(store, adapter)
    rows = await store.outbox_status()
    keys = [str(getattr(action, "idempotency_key", None)) for action in adapter.performed]
    assert sorted(keys) == sorted(str(row["id"]) for row in rows)
    for action in adapter.performed:
        assert action_from_payload(action_to_payload(action)) == action
