"""The reliability spine through the real runtime, with an in-memory adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import migrate
from tests.support import COMMUNITY, MemoryAdapter, command, joined, manager, member, said
from townsquare.bots.config import Config, parse_config
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import SendMessage
from townsquare.core.builtin import builtin_features
from townsquare.core.events import MemberJoined, MessagePosted
from townsquare.core.features import Context, Feature, on
from townsquare.core.pipeline import Pipeline
from townsquare.storage.database import create_engine
from townsquare.storage.migrate import upgrade
from townsquare.storage.store import SqlStore


def make_config(url: str) -> Config:
    return parse_config(
        {"storage": {"url": url}, "bots": [{"name": "mem", "platform": "console"}]},
        {},
        "test",
    )


def spine_features(*extra: Feature) -> list[Feature]:
    """The built-in features plus the test's own: the spine is tested with a stand-in
    greeter whose exact output is known (the real welcome is tested in tests/onboarding)."""
    return [*builtin_features(), *extra]


class Greeter(Feature):
    name = "greeter"

    @on(MemberJoined)
    async def greet(self, event: MemberJoined, ctx: Context) -> None:
        ctx.reply(f"Welcome {event.member.display_name}")


class Exploder(Feature):
    """Writes a setting, then fails: its write must be rolled back, alone."""

    name = "exploder"

    @on(MemberJoined)
    async def explode(self, event: MemberJoined, ctx: Context) -> None:
        assert event.community is not None
        await ctx.tx.set_setting(event.community, "exploded", True, ctx.now)
        ctx.reply("this reply must never be sent")
        raise RuntimeError("feature bug")


class Remember(Feature):
    name = "remember"

    @on(MessagePosted)
    async def remember(self, event: MessagePosted, ctx: Context) -> None:
        assert event.community is not None
        await ctx.tx.set_setting(event.community, "last_text", event.text, ctx.now)


@pytest.fixture
async def runtime(database_url: str) -> AsyncIterator[tuple[Runtime, MemoryAdapter]]:
    await migrate(database_url)
    adapter = MemoryAdapter()
    runtime = Runtime(
        make_config(database_url),
        features=spine_features(Exploder(), Greeter(), Remember()),
        adapters={"mem": adapter},
        delivery_options={"backoff_base": 0.01, "poll_interval": 0.05},
    )
    await runtime.start()
    yield runtime, adapter
    await runtime.stop()


async def settings_of(runtime: Runtime) -> dict[str, object]:
    async with runtime.store.transaction() as tx:
        return await tx.settings(COMMUNITY)


async def test_redelivered_event_has_one_effect(runtime: tuple[Runtime, MemoryAdapter]) -> None:
    rt, adapter = runtime
    event = joined("Dora", event_id="update-1")
    await rt.pipeline.submit(event)
    await rt.pipeline.submit(event)  # a redelivery, e.g. after a Telegram restart
    await rt.pipeline.process([event, event])  # and twice within one batch
    assert await rt.worker.drain(timeout=10)
    assert adapter.texts() == ["Welcome Dora"]
    assert rt.metrics["events.duplicate"] == 2


async def test_failing_feature_is_isolated(runtime: tuple[Runtime, MemoryAdapter]) -> None:
    rt, adapter = runtime
    await rt.pipeline.submit(joined("Eve"))
    await rt.pipeline.submit(said("hello"))
    assert await rt.worker.drain(timeout=10)
    assert adapter.texts() == ["Welcome Eve"]
    settings = await settings_of(rt)
    assert "exploded" not in settings, "the failing feature's write must be rolled back"
    assert settings["last_text"] == "hello"
    assert rt.metrics["feature_errors.exploder"] == 1


async def test_one_bad_event_does_not_roll_back_its_batch(
    runtime: tuple[Runtime, MemoryAdapter],
) -> None:
    rt, _adapter = runtime
    actions = await rt.pipeline.process([said("first"), joined("Finn"), said("second")])
    assert [a.text.plain() for a in actions if isinstance(a, SendMessage)] == ["Welcome Finn"]
    assert (await settings_of(rt))["last_text"] == "second"


async def test_member_is_refused_a_manager_command(
    runtime: tuple[Runtime, MemoryAdapter],
) -> None:
    rt, adapter = runtime
    await rt.pipeline.submit(command("settings", who=member("Bob")))
    await rt.pipeline.submit(command("settings", who=manager("Alice")))
    assert await rt.worker.drain(timeout=10)
    refusal, shown = adapter.texts()
    assert refusal == "Sorry, only managers can use /settings."
    assert shown.startswith("Settings")


async def test_help_lists_only_what_the_caller_may_use(
    runtime: tuple[Runtime, MemoryAdapter],
) -> None:
    rt, adapter = runtime
    await rt.pipeline.submit(command("help", who=member("Bob")))
    await rt.pipeline.submit(command("help", who=manager("Alice")))
    assert await rt.worker.drain(timeout=10)
    for_member, for_manager = adapter.texts()
    assert "/help" in for_member and "/settings" not in for_member
    assert "/help" in for_manager and "/settings" in for_manager


async def test_command_mistakes_get_short_answers(
    runtime: tuple[Runtime, MemoryAdapter],
) -> None:
    rt, adapter = runtime
    await rt.pipeline.submit(command("dance"))
    await rt.pipeline.submit(command("help", "--verbose"))
    assert await rt.worker.drain(timeout=10)
    unknown, bad_option = adapter.texts()
    assert unknown == "Unknown command /dance. Try /help."
    assert "--verbose" in bad_option and "Usage: /help" in bad_option
    assert "Traceback" not in bad_option


async def test_config_managers_are_managers(database_url: str) -> None:
    config = parse_config(
        {
            "storage": {"url": database_url},
            "defaults": {"managers": ["memory:bob"]},
            "bots": [{"name": "mem", "platform": "console"}],
        },
        {},
        "test",
    )
    await migrate(database_url)
    adapter = MemoryAdapter()
    async with Runtime(config, adapters={"mem": adapter}) as rt:
        await rt.pipeline.submit(command("settings", who=member("Bob")))
        assert await rt.worker.drain(timeout=10)
    assert adapter.texts()[0].startswith("Settings")


async def test_outbox_survives_a_crash_between_commit_and_send(sqlite_url: str) -> None:
    # First life: the event is committed, then the process dies before any delivery.
    engine = create_engine(sqlite_url)
    await upgrade(engine)
    store = SqlStore(engine)
    first = Runtime(make_config(sqlite_url), features=spine_features(Greeter()))
    dispatcher = _dispatcher_for(first, store)
    await Pipeline(store, dispatcher).process([joined("Gus", event_id="join-gus")])
    await engine.dispose()  # crash: no worker ever ran

    # Second life: the message is delivered once; the redelivered event changes nothing.
    for _life in range(2):
        adapter = MemoryAdapter()
        async with Runtime(
            make_config(sqlite_url), features=spine_features(Greeter()), adapters={"mem": adapter}
        ) as rt:
            await rt.pipeline.submit(joined("Gus", event_id="join-gus"))
            assert await rt.worker.drain(timeout=10)
            rows = await rt.store.outbox_status()
        if _life == 0:
            assert adapter.texts() == ["Welcome Gus"]
        else:
            assert adapter.texts() == [], "delivered once, not again after another restart"
        assert [row["status"] for row in rows] == ["sent"]


def _dispatcher_for(runtime: Runtime, store: SqlStore) -> object:
    from tests.support import ALL_CAPABILITIES
    from townsquare.core.dispatcher import Dispatcher
    from townsquare.core.features import BotInfo

    return Dispatcher(runtime.features, bots={"mem": BotInfo("mem", "memory", ALL_CAPABILITIES)})


async def test_pipeline_retries_while_the_database_is_briefly_gone(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    adapter = MemoryAdapter()
    async with Runtime(
        make_config(url), features=spine_features(Greeter()), adapters={"mem": adapter}
    ) as rt:
        real_process = rt.pipeline.process
        calls: list[int] = []

        async def flaky(events: Sequence[object]) -> list[object]:
            calls.append(len(events))
            if len(calls) < 3:
                raise OSError("database is unreachable")
            return await real_process(events)  # type: ignore[arg-type]

        rt.pipeline.process = flaky  # type: ignore[method-assign]
        rt.pipeline.retry_delays = (0.01, 0.01, 0.01)
        await rt.pipeline.submit(joined("Hal"))
        assert await rt.worker.drain(timeout=10)
    assert len(calls) == 3
    assert adapter.texts() == ["Welcome Hal"]


async def test_scheduled_job_fires_after_restart_once(database_url: str) -> None:
    from townsquare.core.events import JobDue
    from townsquare.core.features import job

    class Reminder(Feature):
        name = "reminder"

        @job("reminder")
        async def remind(self, event: JobDue, ctx: Context) -> None:
            assert event.channel is not None
            ctx.emit(SendMessage(bot=ctx.bot.name, channel=event.channel, text=ctx.text("Time!")))

    # Scheduled in one life, due while the bot is down...
    engine = create_engine(database_url)
    await upgrade(engine)
    store = SqlStore(engine)
    async with store.transaction() as tx:
        await tx.schedule(
            kind="reminder",
            due_at=datetime.now(UTC) - timedelta(minutes=5),
            platform="memory",
            bot="mem",
            payload={},
            channel_id="general",
            key="reminder:1",
            now=datetime.now(UTC),
        )
    await engine.dispose()

    # ...fires at the next start, and not again at the one after.
    adapter = MemoryAdapter()
    async with Runtime(
        make_config(database_url), extra_features=[Reminder()], adapters={"mem": adapter}
    ) as rt:
        await adapter.wait_for(lambda performed: len(performed) >= 1)
        assert await rt.worker.drain(timeout=10)
    assert adapter.texts() == ["Time!"]

    adapter = MemoryAdapter()
    async with Runtime(
        make_config(database_url), extra_features=[Reminder()], adapters={"mem": adapter}
    ) as rt:
        assert await rt.scheduler.run_once() == 0
        assert await rt.worker.drain(timeout=10)
    assert adapter.texts() == []
