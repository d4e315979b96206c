"""Housekeeping: old de-duplication records, finished outbox rows and fired jobs are
deleted, everything still needed stays (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from townsquare.core.scheduler import DELIVERED_KEPT, FAILED_KEPT, FIRED_JOBS_KEPT, Scheduler
from townsquare.storage.models import OutboxMessage, ProcessedEvent, ScheduledJob, SentMessage
from townsquare.storage.store import SqlStore

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
OLD = NOW - timedelta(days=40)
RECENT = NOW - timedelta(days=1)


def outbox_row(status: str, finished_at: datetime | None, **extra: Any) -> dict[str, Any]:
    return {
        "bot": "mem",
        "kind": "send_message",
        "lane": "mem:c1",
        "payload": {},
        "status": status,
        "attempts": 1,
        "created_at": finished_at or NOW,
        "next_attempt_at": finished_at or NOW,
        "finished_at": finished_at,
        "message_key": None,
        "last_error": None,
        **extra,
    }


def job_row(status: str, fired_at: datetime | None) -> dict[str, Any]:
    return {
        "kind": "remind",
        "platform": "memory",
        "bot": "mem",
        "payload": {},
        "due_at": fired_at or NOW,
        "created_at": fired_at or NOW,
        "status": status,
        "fired_at": fired_at,
    }


async def rows(engine: AsyncEngine, model: Any, *columns: str) -> list[tuple[Any, ...]]:
    table = model.__table__
    async with engine.connect() as connection:
        result = await connection.execute(
            select(*(table.c[name] for name in columns)).order_by(*table.primary_key.columns)
        )
        return [tuple(row) for row in result]


async def add(engine: AsyncEngine, model: Any, *values: dict[str, Any]) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(model.__table__), list(values))


async def test_finished_outbox_rows_go_once_old_failed_ones_later_pending_ones_never(
    migrated_engine: AsyncEngine,
) -> None:
    store = SqlStore(migrated_engine)
    await add(
        migrated_engine,
        OutboxMessage,
        outbox_row("sent", OLD, last_error="old and delivered"),
        outbox_row("superseded", OLD, last_error="old and coalesced"),
        outbox_row("failed", NOW - FAILED_KEPT - timedelta(days=1), last_error="failed long ago"),
        outbox_row("failed", NOW - DELIVERED_KEPT - timedelta(days=1), last_error="failed lately"),
        outbox_row("sent", RECENT, last_error="delivered yesterday"),
        outbox_row("pending", None, last_error="still to send"),
        outbox_row("sent", OLD, last_error="old, but the newest id"),
    )
    removed = await store.prune_outbox(
        sent_before=NOW - DELIVERED_KEPT, failed_before=NOW - FAILED_KEPT
    )
    assert removed == 3
    assert await rows(migrated_engine, OutboxMessage, "last_error") == [
        ("failed lately",),
        ("delivered yesterday",),
        ("still to send",),
        ("old, but the newest id",),  # SQLite would hand its id out again
    ]


async def test_only_fired_jobs_older_than_the_cut_go(migrated_engine: AsyncEngine) -> None:
    store = SqlStore(migrated_engine)
    await add(
        migrated_engine,
        ScheduledJob,
        job_row("done", OLD),
        job_row("done", RECENT),
        job_row("pending", None),
        job_row("done", OLD),
    )
    assert await store.prune_jobs(NOW - FIRED_JOBS_KEPT) == 1
    assert await rows(migrated_engine, ScheduledJob, "status", "fired_at") == [
        ("done", RECENT),
        ("pending", None),
        ("done", OLD),
    ]


async def test_large_clean_ups_run_in_chunks_and_miss_nothing(
    migrated_engine: AsyncEngine,
) -> None:
    store = SqlStore(migrated_engine)
    store.prune_chunk = 3
    await add(
        migrated_engine,
        ProcessedEvent,
        *(
            {"platform": "p", "bot": "mem", "event_id": f"e{n}", "processed_at": OLD}
            for n in range(10)
        ),
        {"platform": "p", "bot": "mem", "event_id": "fresh", "processed_at": RECENT},
    )
    await add(migrated_engine, OutboxMessage, *(outbox_row("sent", OLD) for _ in range(8)))
    assert await store.prune_processed(NOW - timedelta(days=7)) == 10
    assert await rows(migrated_engine, ProcessedEvent, "event_id") == [("fresh",)]
    assert await store.prune_outbox(sent_before=NOW, failed_before=NOW) == 7


async def test_the_scheduler_prunes_hourly_and_keeps_what_later_edits_need(
    migrated_engine: AsyncEngine,
) -> None:
    store = SqlStore(migrated_engine)
    await add(
        migrated_engine,
        OutboxMessage,
        outbox_row("sent", OLD, message_key="poll:1"),
        outbox_row("sent", RECENT),
    )
    await add(migrated_engine, ScheduledJob, job_row("done", OLD), job_row("done", RECENT))
    sent = {
        "bot": "mem",
        "key": "poll:1",
        "channel_id": "c1",
        "thread_id": None,
        "message_id": "m1",
        "sent_at": OLD,
    }
    await add(migrated_engine, SentMessage, sent)

    async def submit(_event: object) -> None:
        raise AssertionError("no job is due")

    scheduler = Scheduler(store, submit, {"mem": "memory"}, clock=lambda: NOW)
    assert await scheduler.run_once() == 0
    await scheduler._prune()
    assert len(await rows(migrated_engine, OutboxMessage, "id")) == 1
    assert len(await rows(migrated_engine, ScheduledJob, "id")) == 1
    # The poll's message id outlives its outbox row: a poll open for months is still edited.
    assert await store.sent_message("mem", "poll:1") is not None
