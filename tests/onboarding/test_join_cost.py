"""A join costs the same however many newcomers wait for the combined greeting: the
same statements, and no waiting newcomer read back to learn whether any wait or since
when (the oldest one is one index row)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event

import townsquare.bots.runtime
import townsquare.storage.onboarding
from tests.onboarding.support import Harness, harness, joined
from tests.support import COMMUNITY
from townsquare.core.events import MemberJoined
from townsquare.core.features import Context, Feature, on

JOIN_TABLES = ("onboarding_", "members", "scheduled_jobs", "processed_events")


@dataclass
class Cost:
    statements: int = 0
    newcomers_built: int = 0


@contextmanager
def counting(h: Harness, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cost]:
    cost = Cost()
    build = townsquare.storage.onboarding._newcomer

    def counted(row: Any) -> Any:
        cost.newcomers_built += 1
        return build(row)

    def statement(_conn: Any, _cursor: Any, text: str, *_args: Any) -> None:
        # The join's own statements; not the delivery worker's or the heartbeat's.
        if any(table in text for table in JOIN_TABLES) or text.startswith(("SAVEPOINT", "RELEASE")):
            cost.statements += 1

    engine = h.runtime.engine.sync_engine
    monkeypatch.setattr(townsquare.storage.onboarding, "_newcomer", counted)
    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield cost
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        monkeypatch.setattr(townsquare.storage.onboarding, "_newcomer", build)


async def burst(h: Harness, prefix: str, count: int) -> None:
    events = [joined(f"{prefix}{n:04d}") for n in range(count)]
    await asyncio.gather(*(h.runtime.pipeline.submit(event) for event in events))
    await h.settle()  # the delivery worker's statements are not the join's


async def test_a_join_costs_the_same_with_20_or_400_waiting(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with harness(database_url) as h:
        await burst(h, "early", 20)
        with counting(h, monkeypatch) as few:
            await h.runtime.pipeline.submit(joined("Probe1"))
        await burst(h, "late", 400)
        with counting(h, monkeypatch) as many:
            await h.runtime.pipeline.submit(joined("Probe2"))
        await h.settle()
    assert few.newcomers_built == many.newcomers_built == 0
    assert few.statements == many.statements


async def test_a_chunk_of_waiting_joins_costs_onboarding_what_one_join_costs(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read once for the chunk, the waiting newcomers written in one statement, the
    combined greeting scheduled once: the same onboarding statements for 1 join or 32."""
    async with harness(database_url) as h:
        await burst(h, "early", 20)  # greetings now wait for the combined message
        seen: list[str] = []

        def onboarding(_conn: Any, _cursor: Any, text: str, *_args: Any) -> None:
            if "onboarding_" in text or "scheduled_jobs" in text:
                seen.append(text)

        engine = h.runtime.engine.sync_engine
        event.listen(engine, "before_cursor_execute", onboarding)
        try:
            await h.runtime.pipeline.process([joined("Solo")])
            one = len(seen)
            seen.clear()
            await h.runtime.pipeline.process([joined(f"Many{n:02d}") for n in range(32)])
            chunk = len(seen)
        finally:
            event.remove(engine, "before_cursor_execute", onboarding)
        store = townsquare.storage.onboarding.SqlOnboardingStore
        async with h.runtime.store.transaction() as tx:
            waiting = await store(tx).waiting(COMMUNITY.platform, COMMUNITY.id)
    assert chunk == one <= 4, seen
    assert {"solo", *(f"many{n:02d}" for n in range(32))} <= {w.user_id for w in waiting}


class FailsOnCarol(Feature):
    """Another feature that raises on one join of the chunk, after onboarding took it."""

    name = "fails-on-carol"

    @on(MemberJoined)
    async def joined(self, event: MemberJoined, ctx: Context) -> None:
        if event.member.user_id == "carol":
            raise RuntimeError("another feature fails on this join")


async def test_another_feature_failing_mid_chunk_loses_no_newcomer(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    defaults = townsquare.bots.runtime.default_features
    monkeypatch.setattr(
        townsquare.bots.runtime,
        "default_features",
        lambda retention=None: [*defaults(retention), FailsOnCarol()],
    )
    async with harness(database_url) as h:
        await burst(h, "early", 20)  # greetings now wait for the combined message
        await h.runtime.pipeline.process([joined(name) for name in ("Bob", "Carol", "Dan")])
        async with h.runtime.store.transaction() as tx:
            waiting = await townsquare.storage.onboarding.SqlOnboardingStore(tx).waiting(
                COMMUNITY.platform, COMMUNITY.id
            )
            members = await tx.member_count(COMMUNITY)
    assert {"bob", "carol", "dan"} <= {newcomer.user_id for newcomer in waiting}
    assert members == 23, "the roster has them all too"
