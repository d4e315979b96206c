"""Nothing lost under SIGKILL, a database cut or a 429 storm (the reliability spine).

The real ``townsquare run`` against the fake Bot API: a scripted replay of joins, ``/faq``
questions, poll presses and reports (:mod:`tests.chaos.script`), SIGKILLs at seeded random
instants with an immediate restart, then every expected effect counted
(:mod:`tests.chaos.effects`). Guarantees checked: no effect lost; no effect doubled beyond
one repeated send per kill; after a SIGKILL the dead process's leased rows are taken over
within one lease; after a graceful restart the first queued message goes out within 5 s.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.chaos import effects
from tests.chaos.runner import (
    SUMMARY,
    Faults,
    Mode,
    Outcome,
    Run,
    Size,
    replay,
    table,
    until,
)
from tests.chaos.script import build
from tests.fakes.tcpproxy import TcpProxy

pytestmark = [pytest.mark.chaos]

SQLITE = Mode("sqlite, 1 process, polling, 429 storm", "sqlite")
POSTGRES = Mode("postgresql, 1 process, polling", "postgresql")
POSTGRES_3 = Mode("postgresql, 3 processes, webhook", "postgresql", processes=3, webhook=True)


OVER_ALLOWANCE = "effects doubled (allowed"
"""How :meth:`Outcome.problems` words more doubles than one per kill."""
OPEN_ON_POSTGRESQL = (
    "open (issue 14): on PostgreSQL a SIGKILL can repeat several sends at once, one per "
    "lane whose send was in flight or whose mark had not committed (up to 7 in one kill "
    "at full size); nothing is lost and every double falls across a kill, both still "
    "asserted"
)


def _verdict(outcome: Outcome, logs: str, *, repeats_open: bool = False) -> None:
    """No problem at all; with ``repeats_open``, more repeated sends than kills is the
    known open problem (xfail), while a lost effect or a double without a kill fails."""
    problems = outcome.problems()
    if repeats_open and problems and all(OVER_ALLOWANCE in p for p in problems):
        pytest.xfail(f"{OPEN_ON_POSTGRESQL}: {'; '.join(problems)}")
    assert not problems, (
        f"{outcome.mode} (seed {outcome.seed}): {'; '.join(problems)}\n"
        f"{table([outcome])}\nfirst missing: {outcome.figures.missing_examples}\n{logs}"
    )


@pytest.mark.timeout(3600)
@pytest.mark.parametrize(
    ("mode", "chaos_database"),
    [
        (SQLITE, "sqlite"),
        (POSTGRES, "postgresql"),
        (POSTGRES_3, "postgresql"),
    ],
    ids=["sqlite", "postgresql", "postgresql-3-webhook"],
    indirect=["chaos_database"],
)
async def test_nothing_lost_under_sigkill(
    mode: Mode, chaos_database: str, chaos_size: Size, chaos_seed: int, tmp_path: Path
) -> None:
    """On SQLite the fake also answers 429 (retry_after 2) to every send for 10 s."""
    storm = 10.0 if mode.database == "sqlite" else 0.0
    faults = Faults(kills=chaos_size.kills, storm_seconds=storm)
    outcome, logs = await replay(mode, chaos_size, chaos_seed, tmp_path, chaos_database, faults)
    if storm:
        assert outcome.throttled, "the storm answered nothing with 429"
    _verdict(outcome, logs, repeats_open=mode.database == "postgresql")


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("chaos_database", ["postgresql"], indirect=True)
async def test_nothing_lost_across_a_database_cut(
    chaos_database: str, chaos_size: Size, chaos_seed: int, tmp_path: Path
) -> None:
    """PostgreSQL unreachable for 10 s (every connection reset, reconnects refused)."""
    url = make_url(chaos_database)
    proxy = await TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    size = _smaller(chaos_size)
    try:
        outcome, logs = await replay(
            Mode("postgresql, 1 process, 10 s database cut", "postgresql"),
            size,
            chaos_seed,
            tmp_path,
            through,
            Faults(cut_seconds=10.0),
            proxy=proxy,
            monitor_url=chaos_database,
        )
    finally:
        await proxy.close()
    _verdict(outcome, logs)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("chaos_database", ["sqlite"], indirect=True)
async def test_a_graceful_restart_sends_what_was_queued_at_once(
    chaos_database: str, chaos_seed: int, tmp_path: Path
) -> None:
    """Messages still queued when SIGTERM's drain ends (Telegram answering 429 meanwhile)
    go out within 5 s of the next start, not when a stale lease ends."""
    began = time.monotonic()
    script = build(60, chaos_seed)
    mode = Mode("sqlite, graceful restart", "sqlite")
    outcome = Outcome(mode.name, chaos_seed, len(script.steps), Faults(), effects.Figures())
    async with Run(mode, tmp_path, chaos_database, chaos_database, drain_seconds=2) as run:
        assert run.fleet is not None and run.outbox is not None
        polls = await run.seed(script)
        run.api.storm(3600, retry_after=1)
        for step in script.steps:
            await run.api.push({"update_id": step.update_id, **step.build(polls)})

        async def queued() -> bool:
            assert run.outbox is not None
            return len(await run.outbox.pending()) >= len(script.steps) // 2

        assert await until(run.api, queued, time.monotonic() + 60), run.logs()
        stopped = await run.fleet.stop(0)
        assert stopped == 0, f"SIGTERM exit code {stopped}\n{run.logs()}"
        left = await run.outbox.pending()
        assert left, "the drain sent everything: nothing to measure"
        run.api.calm()
        member = await run.fleet.start(0)

        def after(method: str, since: float) -> list[float]:
            return [r.at for r in run.api.log if r.method == method and r.at > since]

        async def sending() -> bool:
            return bool(after("getMe", member.started_at)) and any(
                r.at > member.started_at
                for method in ("sendMessage", "answerCallbackQuery")
                for r in run.api.accepted(method)
            )

        await until(run.api, sending, member.started_at + 90, every=0.05)
        up = min(after("getMe", member.started_at), default=math.inf)
        sent = min(
            (
                r.at
                for method in ("sendMessage", "answerCallbackQuery")
                for r in run.api.accepted(method)
                if r.at > member.started_at
            ),
            default=math.inf,
        )
        outcome.startup = up - member.started_at
        outcome.graceful = sent - up
        await run.settle(script, polls, 60)
        outcome.figures = effects.count(run.api, script, polls)
        outcome.throttled = run.api.throttled
        logs = run.logs()
    outcome.seconds = time.monotonic() - began
    SUMMARY.append(outcome)
    _verdict(outcome, logs)


def _smaller(size: Size) -> Size:
    """The fault tests replay half the updates (the faults, not the volume, matter)."""
    return Size(size.updates // 2, 0, size.rate, size.final_wait)
