"""The daily retention job: scheduled by the first events a process handles, it forgets
what is older than ``[retention]`` in each feature (a closed poll and its votes, old
analytics days, an expired ``/link`` code), keeps what is younger, and schedules the next
day's run; ``[retention]`` is validated like every key."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.fakes.bots import config as fake_config
from tests.harness import console_runtime, play
from tests.people.support import Clock
from tests.privacy.test_forgetme import BOSS, OTHER, START, ZELDA_TG, cmd, said
from tests.support import MemoryAdapter
from townsquare.bots.config import ConfigError
from townsquare.core.forgetme.feature import RETENTION_JOB
from townsquare.storage.analytics_models import AnalyticsDayRow
from townsquare.storage.models import ScheduledJob
from townsquare.storage.polls_models import PollRow, PollVoteRow


async def count(runtime: object, table: object) -> int:
    async with runtime.store.engine.connect() as connection:  # type: ignore[attr-defined]
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def test_the_daily_job_forgets_what_is_past_retention(database_url: str) -> None:
    clock = Clock(START)
    adapters = {"tg": MemoryAdapter("tg")}
    retention = {"polls": 30, "analytics": 30}
    async with console_runtime(database_url, adapters, clock=clock) as runtime:
        await runtime.scheduler.stop()  # jobs fire below, when the test says
        for feature in runtime.features:
            if feature.name == "privacy":
                from townsquare.core.privacy import RETENTION, Retention

                feature.retention = Retention({**RETENTION, **retention})  # type: ignore[attr-defined]
        t = START
        await play(
            runtime,
            said("tg", t, ZELDA_TG, "an early message"),
            cmd("tg", t, BOSS, "poll", "Old?", "Yes", "No"),
            cmd("tg", t, ZELDA_TG, "vote", "1", "1"),
            cmd("tg", t, BOSS, "poll", "close", "1"),
        )
        later = t + timedelta(days=20)
        clock.now = later
        await play(
            runtime,
            said("tg", later, OTHER, "a later message"),
            cmd("tg", later, BOSS, "poll", "New?", "Yes", "No"),
            cmd("tg", later, BOSS, "poll", "close", "2"),
        )
        async with runtime.store.engine.connect() as connection:
            job = (
                await connection.execute(
                    select(ScheduledJob).where(ScheduledJob.kind == RETENTION_JOB)
                )
            ).one()
        assert job.due_at.hour == 3 and job.due_at > START
        assert await count(runtime, PollRow) == 2, adapters["tg"].texts()
        assert await count(runtime, PollVoteRow) == 1
        days_before = await count(runtime, AnalyticsDayRow)
        while await runtime.scheduler.run_once():  # the first night's run: nothing is old
            pass
        assert await count(runtime, PollRow) == 2
        clock.now = t + timedelta(days=40, hours=3)
        while await runtime.scheduler.run_once():  # whichever run is due now, at once
            pass
        assert await count(runtime, PollRow) == 1  # closed 40 days ago: gone, with its vote
        assert await count(runtime, PollVoteRow) == 0
        # 30 days of analytics: the first day's rows went, the 20th day's stayed.
        assert 0 < await count(runtime, AnalyticsDayRow) < days_before
        async with runtime.store.engine.connect() as connection:
            again = (
                await connection.execute(
                    select(ScheduledJob).where(ScheduledJob.kind == RETENTION_JOB)
                )
            ).one()
        assert again.status == "pending" and again.due_at > clock.now


@pytest.mark.parametrize(
    ("section", "wanted"),
    [
        ({"analytics": 0}, "retention.analytics"),
        ({"gossip": 10}, "retention.gossip"),
        ({"polls": "a year"}, "retention.polls"),
    ],
)
def test_retention_keys_are_checked(section: dict[str, object], wanted: str) -> None:
    with pytest.raises(ConfigError) as raised:
        fake_config(
            "sqlite+aiosqlite:///x.db", {"name": "c", "platform": "console"}, retention=section
        )
    assert wanted in str(raised.value)
    assert str(raised.value).count("\n") <= 1, str(raised.value)


def test_retention_defaults() -> None:
    config = fake_config("sqlite+aiosqlite:///x.db", {"name": "c", "platform": "console"})
    assert config.retention.days()["analytics"] == 400
