"""How the pipeline groups submitted events into batches (one transaction each)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

from tests.support import said
from townsquare.core.actions import Action
from townsquare.core.dispatcher import Dispatcher
from townsquare.core.events import Event
from townsquare.core.features import BotInfo
from townsquare.core.pipeline import Pipeline
from townsquare.core.store import EventKey

HOUR = 3600.0


class Recording(Pipeline):
    """A pipeline that records each batch instead of storing it."""

    def __init__(self, **options: float) -> None:
        super().__init__(None, Dispatcher([], bots={}), **options)  # type: ignore[arg-type]
        self.batches: list[list[str]] = []

    async def process(self, events: Sequence[Event]) -> list[Action]:
        self.batches.append([event.event_id for event in events])
        return []


async def test_a_burst_is_committed_at_once_without_waiting_for_more() -> None:
    """Events submitted together (a getUpdates answer) form one batch at once: the
    pipeline does not wait ``max_delay`` for company they already have."""
    pipeline = Recording(max_delay=HOUR)
    pipeline.start()
    events = [said("hello", event_id=f"burst-{n}") for n in range(5)]
    await asyncio.wait_for(asyncio.gather(*(pipeline.submit(e) for e in events)), 30)
    assert pipeline.batches == [[e.event_id for e in events]]
    await pipeline.close()


async def test_a_lone_event_waits_for_company() -> None:
    """One event alone waits (here until the batch is full) so that events arriving just
    after it share its commit."""
    pipeline = Recording(max_delay=HOUR, max_batch=2)
    pipeline.start()
    first = asyncio.ensure_future(pipeline.submit(said("one", event_id="lone-1")))
    for _ in range(5):
        await asyncio.sleep(0)  # the pipeline took the first event and waits
    assert pipeline.batches == []
    await asyncio.wait_for(pipeline.submit(said("two", event_id="lone-2")), 30)
    await first
    assert pipeline.batches == [["lone-1", "lone-2"]]
    await pipeline.close()


async def test_what_arrives_during_a_commit_forms_the_next_batch() -> None:
    pipeline = Recording(max_delay=0)
    pipeline.start()
    await pipeline.submit(said("first", event_id="next-0"))
    later = [said("later", event_id=f"next-{n}") for n in range(1, 4)]
    await asyncio.gather(*(pipeline.submit(e) for e in later))
    assert pipeline.batches == [["next-0"], ["next-1", "next-2", "next-3"]]
    await pipeline.close()


class ClaimsOnly:
    """A store whose transactions only record the size of each claim (one round trip)."""

    def __init__(self, *, contended: bool = False) -> None:
        self.claims: list[int] = []
        self.transactions = 0
        self.contended = contended
        """Whether a delivery completion waits for the writer (see SqlTransaction)."""

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[ClaimsOnly]:
        self.transactions += 1
        yield self

    async def claim_events(self, keys: Sequence[EventKey], now: datetime) -> set[EventKey]:
        self.claims.append(len(keys))
        return set(keys)

    async def settings(self, community: object) -> dict[str, object]:
        return {}  # the community's language: the default

    async def flush(self) -> None:
        return None


def chunked(store: ClaimsOnly) -> Pipeline:
    bots = {"mem": BotInfo("mem", "memory", frozenset())}
    return Pipeline(store, Dispatcher([], bots=bots))  # type: ignore[arg-type]


async def test_a_batch_is_claimed_in_few_large_chunks() -> None:
    """Each chunk's claim is a round trip to the database: 200 cheap events cost two."""
    store = ClaimsOnly()
    await chunked(store).process([said("hi", event_id=f"big-{n}") for n in range(200)])
    assert store.claims == [128, 72]
    assert store.transactions == 1


async def test_costly_events_are_claimed_in_smaller_chunks() -> None:
    """When the last chunk's events were slow (10 ms each: 10 fit in the 100 ms a
    transaction may run), the next chunk shrinks, down to ``min_chunk``; once events are
    cheap again chunks grow back."""
    store = ClaimsOnly()
    pipeline = chunked(store)
    pipeline._event_seconds = 0.01
    await pipeline.process([said("hi", event_id=f"slow-{n}") for n in range(200)])
    assert store.claims == [32, 128, 40]


async def test_a_waiting_completion_ends_the_transaction_and_shrinks_chunks() -> None:
    """While delivery completions wait for SQLite's writer, each transaction ends after
    its chunk and the chunks stay at ``min_chunk``, so a completion waits for little."""
    store = ClaimsOnly(contended=True)
    await chunked(store).process([said("hi", event_id=f"busy-{n}") for n in range(200)])
    assert store.claims == [128, 32, 32, 8]
    assert store.transactions == 4


async def test_a_caller_that_stops_waiting_leaves_its_event_in_the_batch() -> None:
    pipeline = Recording(max_delay=HOUR, max_batch=2)
    pipeline.start()
    gone = asyncio.ensure_future(pipeline.submit(said("one", event_id="gone-1")))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.wait_for(pipeline.submit(said("two", event_id="gone-2")), 30)
    assert gone.cancelled()
    assert pipeline.batches == [["gone-1", "gone-2"]]
    await pipeline.close()
