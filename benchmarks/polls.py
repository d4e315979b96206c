"""Voting burst: 1,000 members press a poll button at once.

    .venv/bin/python -m benchmarks.polls [--voters 1000]

Runs the real runtime (pipeline, SQLite, outbox, delivery worker with its 2 s edit
spacing) with an in-memory adapter and reports votes/s, how many edits of the poll message
reached the platform against the bound ``duration / 2 s + 1``, and the plain inbound
pipeline throughput measured in the same run as the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from benchmarks.pipeline import full_pipeline
from tests.support import MemoryAdapter, command, envelope, manager, member
from townsquare.bots.config import parse_config
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import EditMessage
from townsquare.core.events import ButtonPressed


async def burst(url: str, voters: int) -> tuple[float, int, float, int]:
    config = parse_config(
        {"storage": {"url": url}, "bots": [{"name": "mem", "platform": "console"}]}, {}, "bench"
    )
    adapter = MemoryAdapter()
    runtime = Runtime(config, adapters={"mem": adapter})
    await runtime.start()
    await runtime.pipeline.submit(command("poll", "Lunch?", "Pizza", "Sushi", who=manager()))
    assert await runtime.worker.drain(timeout=30)
    presses = []
    for n in range(voters):
        env = envelope(member(f"Member{n}"))
        presses.append(ButtonPressed(**env, data=f"poll:1:{n % 2}", interaction_id=str(n)))
    started = time.perf_counter()
    await asyncio.gather(*(runtime.pipeline.submit(event) for event in presses))
    stored = time.perf_counter() - started
    assert await runtime.worker.drain(timeout=120)
    duration = time.perf_counter() - started
    edits = [a for a in adapter.performed if isinstance(a, EditMessage)]
    async with runtime.store.transaction() as tx:
        from sqlalchemy import func, select

        from townsquare.storage.polls_models import PollVoteRow

        counted = await tx.connection.scalar(select(func.count()).select_from(PollVoteRow))
    await runtime.stop()
    assert edits and f"{voters // 2 + voters % 2} " in edits[-1].text.plain(), "last state shown"
    return voters / stored, len(edits), duration, int(counted or 0)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        baseline = await full_pipeline(f"sqlite+aiosqlite:///{base / 'base.db'}", args.voters, 0, 0)
        rate, edits, duration, stored = await burst(
            f"sqlite+aiosqlite:///{base / 'poll.db'}", args.voters
        )
    bound = int(duration / 2) + 1
    print(f"{args.voters} voters in a burst on one poll (SQLite)")
    print(f"  baseline: inbound pipeline, messages {baseline:>9,.0f} events/s")
    print(f"  votes processed and stored          {rate:>9,.0f} votes/s  x{rate / baseline:.2f}")
    print(
        f"  votes in the database               {stored:>9}  (every vote: {stored == args.voters})"
    )
    print(f"  poll message edits sent             {edits:>9}  (bound {bound} for {duration:.1f} s)")


if __name__ == "__main__":
    asyncio.run(main())
