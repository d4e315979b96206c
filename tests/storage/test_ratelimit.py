"""Send slots shared through PostgreSQL: several processes of one bot stay within its
limits together (the old per-process buckets let three processes send 52 a minute to a
group allowed 20)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support import MemoryAdapter, enqueue
from townsquare.adapters.telegram.outbound import LIMITS as TELEGRAM
from townsquare.core.actions import Action, SendMessage
from townsquare.core.delivery import DeliveryWorker
from townsquare.core.ports import Delivered
from townsquare.core.ratelimit import Limit, MemorySlots, bot_limit, chat_limit
from townsquare.core.refs import ChannelRef
from townsquare.core.text import as_text
from townsquare.storage.database import create_engine
from townsquare.storage.migrate import upgrade
from townsquare.storage.ratelimit import SqlSlots, send_slots
from townsquare.storage.store import SqlStore


@pytest.fixture
async def engines(postgres_url: str) -> AsyncIterator[list[AsyncEngine]]:
    """Three engines on one database: three processes' connection pools."""
    engines = [create_engine(postgres_url) for _ in range(3)]
    await upgrade(engines[0])
    yield engines
    for engine in engines:
        await engine.dispose()


async def reserve_all(book: SqlSlots, bot: Limit, chat: Limit | None, count: int) -> list[float]:
    """Reserve ``count`` slots in order, as one lane would (asking again while the chat
    is not free); the reserved times on the database's clock."""
    times: list[float] = []
    while len(times) < count:
        slot = await book.reserve(bot, chat)
        if slot.reserved:
            assert slot.at is not None
            times.append(slot.at)
        else:
            await asyncio.sleep(slot.wait)
    return times


async def test_processes_are_handed_consecutive_slots_of_one_bot(
    engines: list[AsyncEngine],
) -> None:
    books = [SqlSlots(engine) for engine in engines]
    bot = bot_limit("tg", TELEGRAM)
    chats = [chat_limit("tg", f"tg:chat:{1000 + n}", TELEGRAM) for n in range(60)]
    results = await asyncio.gather(
        *(
            reserve_all(books[n % 3], bot, chats[n], 1)  # 20 chats per process, at once
            for n in range(60)
        )
    )
    slots = sorted(at for times in results for at in times)
    gaps = [later - earlier for earlier, later in itertools.pairwise(slots)]
    assert min(gaps) >= bot.interval - 1e-6, "never two slots of the bot closer than its pace"
    assert slots[30] - slots[0] >= 1.0, "at most 30 in any second, from the first one"


async def test_a_chat_is_paced_across_processes_and_leaves_the_bot_no_hole(
    engines: list[AsyncEngine],
) -> None:
    books = [SqlSlots(engine) for engine in engines]
    bot = bot_limit("tg", TELEGRAM)
    private = chat_limit("tg", "tg:chat:4242", TELEGRAM)
    first = await reserve_all(books[0], bot, private, 2)
    second = await reserve_all(books[1], bot, private, 2)  # the lane moved to another process
    times = first + second
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= private.interval - 1e-6
    others = await reserve_all(books[2], bot, None, 1)
    assert others[0] - times[-1] < private.interval, "the bot was free meanwhile"


async def test_a_429_holds_every_process(engines: list[AsyncEngine]) -> None:
    books = [SqlSlots(engine) for engine in engines]
    bot = bot_limit("tg", TELEGRAM)
    await books[0].pause([bot], 5.0)
    slot = await books[1].reserve(bot, None)
    assert slot.reserved and slot.wait > 4.0


def test_sqlite_paces_in_memory(sqlite_url: str) -> None:
    assert isinstance(send_slots(create_engine(sqlite_url)), MemorySlots)


class TimedAdapter(MemoryAdapter):
    def __init__(self, times: list[float]) -> None:
        super().__init__(limits=TELEGRAM)
        self.times = times

    async def perform(self, action: Action) -> Delivered:
        self.times.append(time.monotonic())
        return await super().perform(action)


async def test_three_workers_together_stay_within_one_bots_limit(
    engines: list[AsyncEngine],
) -> None:
    store = SqlStore(engines[0])
    await enqueue(
        store,
        *(
            SendMessage(bot="mem", channel=ChannelRef(str(1000 + n)), text=as_text(f"m{n}"))
            for n in range(60)
        ),
    )
    times: list[float] = []
    adapters = [TimedAdapter(times) for _ in engines]
    workers = [
        DeliveryWorker(
            SqlStore(engine),
            {"mem": adapter},
            poll_interval=0.05,
            batch=20,  # a third each
            slots=SqlSlots(engine),
        )
        for engine, adapter in zip(engines, adapters, strict=True)
    ]
    for worker in workers:
        worker.start()
    try:
        assert await workers[0].drain(timeout=30)
    finally:
        for worker in workers:
            await worker.stop()
    assert len(times) == 60
    assert all(adapter.times for adapter in adapters), "all three sent"
    ordered = sorted(times)
    # 30 a second over all three (each alone would have sent 30 a second): not even
    # 0.9 s holds more than 30.
    most = max(sum(1 for at in ordered if start <= at < start + 0.9) for start in ordered)
    assert most <= 30
