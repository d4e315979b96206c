"""The runtime the feature tests drive: memory adapters run as console bots, a clock the
test moves instead of sleeping, and delivery quick enough for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Protocol

from tests.conftest import migrate
from tests.fakes.bots import config
from tests.support import MemoryAdapter
from townsquare.bots.runtime import Runtime
from townsquare.core.features import Feature

QUICK_DELIVERY = {"backoff_base": 0.01, "poll_interval": 0.05, "edit_interval": 0.0}


class MovedClock(Protocol):
    """A test's clock: the pipeline's now, and a delivery clock that also flows."""

    def __call__(self) -> datetime: ...

    def flowing(self) -> datetime: ...


@asynccontextmanager
async def console_runtime(
    url: str,
    adapters: Mapping[str, MemoryAdapter],
    *,
    clock: MovedClock,
    features: Sequence[Feature] | None = None,
    defaults: dict[str, Any] | None = None,
    spaces: Sequence[dict[str, Any]] = (),
) -> AsyncIterator[Runtime]:
    """A started runtime over a migrated ``url`` (``features`` None: the built-in set),
    with the ``[[spaces]]`` given."""
    await migrate(url)
    consoles = [{"name": name, "platform": "console"} for name in adapters]
    sections: dict[str, Any] = {"spaces": list(spaces)} if spaces else {}
    runtime = Runtime(
        config(url, *consoles, defaults=defaults, **sections),
        features=features,
        adapters=dict(adapters),
        delivery_options=QUICK_DELIVERY,
    )
    await runtime.start()
    runtime.pipeline.clock = clock
    runtime.scheduler.clock = clock
    runtime.worker.clock = clock.flowing
    try:
        yield runtime
    finally:
        await runtime.stop()


async def play(runtime: Runtime, *events: Any) -> None:
    """Submit events one by one (each committed before the next) and deliver the outbox."""
    for event in events:
        await runtime.pipeline.submit(event)
    assert await runtime.worker.drain(timeout=10)
