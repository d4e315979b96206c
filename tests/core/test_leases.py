"""Short, released leases: after a stop the next worker sends at once, after a crash
within one lease; claims are small and never split a lane between two workers."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support import MemoryAdapter, enqueue
from townsquare.core.actions import Action, SendMessage
from townsquare.core.delivery import DeliveryWorker
from townsquare.core.events import Event
from townsquare.core.ports import Delivered
from townsquare.core.refs import ChannelRef
from townsquare.core.scheduler import Scheduler
from townsquare.core.text import as_text
from townsquare.storage.store import SqlStore


def send(channel: str, n: int) -> SendMessage:
    return SendMessage(bot="mem", channel=ChannelRef(channel), text=as_text(f"message {n}"))


class StuckAdapter(MemoryAdapter):
    """Never finishes a send (a platform that hangs): its rows stay in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()

    async def perform(self, action: Action) -> Delivered:
        self.started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_a_graceful_stop_releases_every_lease_so_the_next_start_sends_at_once(
    store: SqlStore,
) -> None:
    await enqueue(store, *(send("general", n) for n in range(3)), send("other", 9))
    stuck = StuckAdapter()
    first = DeliveryWorker(store, {"mem": stuck}, poll_interval=0.05)
    first.start()
    await stuck.started.wait()
    await first.stop(grace=0.1)
    rows = await store.outbox_status()
    assert {(row["status"], row["locked_until"]) for row in rows} == {("pending", None)}
    adapter = MemoryAdapter()
    restarted = DeliveryWorker(store, {"mem": adapter}, poll_interval=0.05)
    restarted.start()
    assert await restarted.drain(timeout=5), "sent at once, not after the old lease"
    await restarted.stop()
    assert sorted(adapter.texts()) == sorted(f"message {n}" for n in (0, 1, 2, 9))


async def test_after_a_crash_another_worker_sends_within_one_lease(store: SqlStore) -> None:
    await enqueue(store, send("general", 1))
    stuck = StuckAdapter()
    crashed = DeliveryWorker(store, {"mem": stuck}, poll_interval=0.05)
    crashed.start()
    await stuck.started.wait()
    for task in asyncio.all_tasks():  # as good as SIGKILL: no release, no renewal
        if task.get_name().startswith("townsquare-"):
            task.cancel()
    (row,) = await store.outbox_status()
    assert row["locked_until"] is not None
    lease = row["locked_until"] - datetime.now(UTC)
    assert timedelta(seconds=20) < lease <= timedelta(seconds=31), "a lease of about 30 s"
    later = datetime.now(UTC) + timedelta(seconds=31)
    adapter = MemoryAdapter()
    other = DeliveryWorker(store, {"mem": adapter}, poll_interval=0.05, clock=lambda: later)
    other.start()
    assert await other.drain(timeout=5)
    await other.stop()
    assert adapter.texts() == ["message 1"]


async def test_claims_are_small_per_lane_and_never_split_a_lane(store: SqlStore) -> None:
    await enqueue(store, *(send(lane, n) for lane in ("a", "b", "c") for n in range(12)))
    now = datetime.now(UTC)

    async def claim(owner: str, exclude: set[int] = set()) -> list[Any]:  # noqa: B006
        return await store.claim_outbox(
            ["mem"], now, limit=100, lease_seconds=30, owner=owner, exclude=exclude, per_lane=5
        )

    mine = await claim("one")
    assert sorted(item.lane for item in mine) == sorted(
        ["mem:chat:a", "mem:chat:b", "mem:chat:c"] * 5
    )
    assert await claim("two") == [], "every lane is held by worker one: its order stays whole"
    held = {item.id for item in mine}
    assert await claim("one", held) == [], "the first 5 of each lane are in flight"
    lane_a = sorted(item.id for item in mine if item.lane == "mem:chat:a")
    for item in mine:
        if item.id in lane_a:
            await store.outbox_done(item, "sent", now)
    more = await claim("one", held - set(lane_a))
    assert {item.lane for item in more} == {"mem:chat:a"} and len(more) == 5
    released = await store.release_outbox("one")
    assert released == 15
    taken = await claim("two")
    assert len(taken) == 15, "released lanes go to the next worker at once"


class RenewSpy(SqlStore):
    def __init__(self, store: SqlStore) -> None:
        super().__init__(store.engine)
        self.renewed = asyncio.Event()

    async def renew_jobs(self, ids: Collection[int], until: datetime) -> None:
        await super().renew_jobs(ids, until)
        self.renewed.set()


async def test_job_leases_are_renewed_in_flight_and_released_by_a_stop(store: SqlStore) -> None:
    now = datetime.now(UTC)
    async with store.transaction() as tx:
        await tx.schedule(
            kind="remind", due_at=now, platform="memory", bot="mem", payload={}, now=now
        )
    fired = asyncio.Event()

    async def hanging_submit(event: Event) -> None:
        fired.set()
        await asyncio.Event().wait()

    spy = RenewSpy(store)
    scheduler = Scheduler(spy, hanging_submit, {"mem": "memory"}, lease_seconds=0.3)
    assert Scheduler(store, hanging_submit, {}).lease_seconds == 30
    scheduler.start()
    await fired.wait()
    first_lease = await job_lease(store)
    assert first_lease is not None
    await spy.renewed.wait()
    renewed = await job_lease(store)
    assert renewed is not None and renewed > first_lease, "renewed while in flight"
    await scheduler.stop(grace=0.1)
    assert await job_lease(store) is None, "released: the next start fires it at once"
    assert await store.claim_jobs(["mem"], now, limit=10, lease_seconds=30)


async def job_lease(store: SqlStore) -> datetime | None:
    from sqlalchemy import select

    from townsquare.storage.models import ScheduledJob

    async with store.engine.connect() as connection:
        value: datetime | None = await connection.scalar(select(ScheduledJob.locked_until))
    return value


def test_drain_seconds_is_configured_under_delivery() -> None:
    from townsquare.bots.config import parse_config

    bots = [{"name": "local", "platform": "console"}]
    assert parse_config({"bots": bots}, {}, "x.toml").delivery.drain_seconds == 30
    configured = parse_config({"bots": bots, "delivery": {"drain_seconds": 5}}, {}, "x.toml")
    assert configured.delivery.drain_seconds == 5


async def test_a_lane_longer_than_one_claim_is_sent_without_waiting_for_the_poll(
    store: SqlStore,
) -> None:
    """Claims take 5 rows of a lane at a time; finishing them claims the next at once."""
    await enqueue(store, *(send("general", n) for n in range(23)))
    adapter = MemoryAdapter()
    worker = DeliveryWorker(store, {"mem": adapter}, poll_interval=3600, per_lane=5)
    worker.start()
    await adapter.wait_for(lambda performed: len(performed) == 23)
    await worker.stop()
    assert adapter.texts() == [f"message {n}" for n in range(23)], "in order"
