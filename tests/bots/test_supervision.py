"""Bots that cannot start are retried while the others run; deployments that cannot work
are refused at start (a second process on one SQLite file)."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.bots import config
from tests.support import MemoryAdapter, enqueue
from townsquare.bots.platforms import PlatformUnavailable
from townsquare.bots.runtime import Runtime, StartRefused
from townsquare.core.actions import SendMessage
from townsquare.core.errors import TransientDeliveryError
from townsquare.core.ports import EventSink
from townsquare.core.refs import ChannelRef
from townsquare.core.text import as_text


class FlakyAdapter(MemoryAdapter):
    """Refuses to start ``failures`` times (the platform unreachable), then runs."""

    def __init__(self, bot: str, failures: int) -> None:
        super().__init__(bot)
        self.failures_left = failures
        self.attempts = 0
        self.closed = 0
        self.running = asyncio.Event()

    async def start(self, sink: EventSink) -> None:
        self.attempts += 1
        if self.failures_left:
            self.failures_left -= 1
            raise TransientDeliveryError("Cannot connect to host 127.0.0.1:9 [Connection refused]")
        await super().start(sink)
        self.running.set()

    async def close(self) -> None:
        self.closed += 1


async def test_a_bot_that_cannot_start_is_retried_while_the_others_run(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    up, down = FlakyAdapter("up", 0), FlakyAdapter("down", 3)
    runtime = Runtime(
        config(
            sqlite_url,
            {"name": "up", "platform": "console"},
            {"name": "down", "platform": "console"},
        ),
        features=[],
        adapters={"up": up, "down": down},
        retry_delays=(0.01,),
    )
    await runtime.start()
    try:
        assert runtime.bot_states()["up"] == "running"
        assert runtime.bot_states()["down"] in {"retrying", "running"}
        # What the down bot must send waits for it, and goes once it runs.
        await enqueue(
            runtime.store,
            SendMessage(bot="down", channel=ChannelRef("c"), text=as_text("queued")),
            SendMessage(bot="up", channel=ChannelRef("c"), text=as_text("at once")),
        )
        runtime.worker.wake()
        await up.wait_for(lambda performed: len(performed) == 1)
        await asyncio.wait_for(down.running.wait(), 10)
        await down.wait_for(lambda performed: len(performed) == 1)
        assert runtime.bot_states() == {"up": "running", "down": "running"}
        assert down.attempts == 4 and down.closed == 3
    finally:
        await runtime.stop()
    failures = [r for r in caplog.records if "did not start" in r.getMessage()]
    assert len(failures) == 3
    assert all("\n" not in r.getMessage() and r.exc_info is None for r in failures)
    assert failures[0].getMessage().endswith("[Connection refused]; retrying in 0.01s")
    assert runtime.bot_states() == {"up": "stopped", "down": "stopped"}


class SdkRefusal(Exception):
    """What an SDK raises from its constructor (aiogram's TokenValidationError is no
    ValueError)."""


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            PlatformUnavailable(
                "platform 'telegram' cannot start: aiogram is not installed "
                "(pip install 'townsquare[telegram]')"
            ),
            "platform 'telegram' cannot start: aiogram is not installed "
            "(pip install 'townsquare[telegram]')",
        ),
        (SdkRefusal("Token is invalid!"), "Token is invalid!"),
    ],
    ids=["missing extra", "sdk refuses the token"],
)
async def test_a_bot_whose_adapter_cannot_be_built_fails_alone(
    sqlite_url: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    reason: str,
) -> None:
    """That bot is failed for good, in one line; the other one runs."""
    import townsquare.bots.runtime

    def factory(platform: str) -> object:
        def build(bot: object, deps: object) -> object:
            raise error

        return build

    monkeypatch.setattr(townsquare.bots.runtime, "adapter_factory", factory)
    up = FlakyAdapter("up", 0)
    runtime = Runtime(
        config(
            sqlite_url, {"name": "up", "platform": "console"}, {"name": "tg", "platform": "console"}
        ),
        features=[],
        adapters={"up": up},
    )
    await runtime.start()
    try:
        assert runtime.bot_states() == {"tg": "failed", "up": "running"}
        assert runtime.errors["tg"] == reason
    finally:
        await runtime.stop()
    (line,) = [r.getMessage() for r in caplog.records if "cannot run" in r.getMessage()]
    assert line == f"bot tg (console) cannot run: {reason}"


async def test_a_second_process_on_one_sqlite_file_is_refused(sqlite_url: str) -> None:
    first = Runtime(config(sqlite_url, {"name": "local", "platform": "console"}), features=[])
    await first.start()
    try:
        second = Runtime(config(sqlite_url, {"name": "local", "platform": "console"}), features=[])
        with pytest.raises(StartRefused) as refused:
            await second.start()
    finally:
        await first.stop()
    ((key, message),) = refused.value.problems
    assert key == "storage.url"
    assert "is in use by another townsquare process" in message
    assert "postgresql+asyncpg://" in message and "\n" not in message
    # Once the first process is gone the file is free again.
    again = Runtime(config(sqlite_url, {"name": "local", "platform": "console"}), features=[])
    await again.start()
    await again.stop()
