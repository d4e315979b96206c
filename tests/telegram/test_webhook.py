"""Webhook mode on both backends: 200 only once the update is stored.

Telegram takes 200 as "delivered" and never sends the update again; it redelivers on any
other answer, so a 5xx is right for "not stored yet" and wrong for a body that will never
be an update.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from tests.fakes.bots import running, telegram_bot
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.telegram.conftest import bot_config
from townsquare.bots.platforms import adapter_factory
from townsquare.core.events import Event
from townsquare.core.ports import AdapterDeps

Sink = Callable[[Event], Awaitable[None]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def webhook_settings(port: int) -> dict[str, Any]:
    return {
        "mode": "webhook",
        "webhook_url": f"http://127.0.0.1:{port}/hook",
        "webhook_secret": "s3cret",
        "listen": f"127.0.0.1:{port}",
    }


class Gate:
    """A sink the test controls: it records arrivals and commits when told, or fails."""

    def __init__(self) -> None:
        self.arrived: list[Event] = []
        self.committed: list[Event] = []
        self.failures = 0
        self.open = asyncio.Event()
        self.open.set()
        self.entered = asyncio.Event()

    async def __call__(self, event: Event) -> None:
        self.arrived.append(event)
        self.entered.set()
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the database is unreachable")
        await self.open.wait()
        self.committed.append(event)


@pytest.fixture
async def hooked(api: FakeBotApi, backend: str) -> AsyncIterator[Gate]:
    """A started adapter of ``backend`` in webhook mode behind a :class:`Gate`."""
    api.administrators[p.GROUP["id"]] = []
    config = bot_config(api, backend, **webhook_settings(free_port()))
    adapter = adapter_factory(backend)(config, AdapterDeps())
    gate = Gate()
    await adapter.start(gate)
    assert api.webhook is not None and api.webhook["url"].endswith("/hook")
    assert set(api.webhook["allowed_updates"]) >= {"chat_member", "message_reaction"}
    try:
        yield gate
    finally:
        gate.open.set()
        await adapter.stop()
        await adapter.close()


async def test_the_answer_comes_only_once_the_update_is_stored(
    api: FakeBotApi, hooked: Gate
) -> None:
    """A 200 before the commit would lose the update if the process died meanwhile."""
    hooked.open.clear()
    delivery = asyncio.create_task(api.deliver_webhook(p.message("wait for me")))
    await asyncio.wait_for(hooked.entered.wait(), 10)
    done, _ = await asyncio.wait({delivery}, timeout=0.5)
    assert not done, "answered while the update was still being stored"
    hooked.open.set()
    assert await asyncio.wait_for(delivery, 10) == 200
    assert [getattr(event, "text", None) for event in hooked.committed] == ["wait for me"]


async def test_an_update_that_could_not_be_stored_is_503_and_its_redelivery_200(
    api: FakeBotApi, hooked: Gate
) -> None:
    hooked.failures = 1
    update = {"update_id": 4242, **p.message("try again")}
    assert await api.deliver_webhook(update) == 503, "Telegram delivers it again"
    assert hooked.committed == []
    assert await api.deliver_webhook(update) == 200
    assert await api.deliver_webhook(update) == 200, "a redelivery is answered 200 too"
    assert [event.event_id for event in hooked.committed] == ["4242", "4242"]


async def test_a_malformed_or_empty_body_with_the_right_secret_is_400_logged_once(
    api: FakeBotApi, hooked: Gate, caplog: pytest.LogCaptureFixture
) -> None:
    """Never 5xx for a body that will never be an update: Telegram would retry it."""
    bodies = [b"", b"  \n", b"{not json", b"[1, 2]", b'"an update"', b"\xff\xfe{", b"null"]
    with caplog.at_level(logging.WARNING, logger="townsquare.adapters.telegram"):
        statuses = [await api.post_webhook(body) for body in bodies]
    assert statuses == [400] * len(bodies)
    warnings = [r for r in caplog.records if "answered 400" in r.getMessage()]
    assert len(warnings) == len(bodies), "one line per request"
    assert all(record.exc_info is None for record in warnings), "no traceback"
    assert hooked.arrived == []
    assert await api.deliver_webhook(p.message("still fine")) == 200


async def test_a_wrong_or_missing_secret_is_401(api: FakeBotApi, hooked: Gate) -> None:
    body = b'{"update_id": 1, "message": {}}'
    assert await api.post_webhook(body, secret="guess") == 401
    assert await api.post_webhook(body, send_secret=False) == 401
    assert await api.post_webhook(b"", secret="guess") == 401, "nothing read before"
    assert hooked.arrived == []


async def test_an_update_that_cannot_be_read_is_stored_as_rejected(
    api: FakeBotApi, hooked: Gate
) -> None:
    assert await api.deliver_webhook({"message": "not an object"}) == 200
    (event,) = hooked.committed
    assert event.kind == "UpdateRejected"


async def test_a_redelivered_update_is_processed_once(
    api: FakeBotApi, backend: str, sqlite_url: str
) -> None:
    """Through the runtime: Telegram redelivers what it got no 200 for (or thinks so);
    the core's de-duplication answers the repeat 200 without acting twice."""
    api.administrators[p.GROUP["id"]] = []
    bot = {**telegram_bot(api, backend), **webhook_settings(free_port())}
    async with running(sqlite_url, bot) as runtime:
        update = {"update_id": 5151, **p.command("/help")}
        assert await api.deliver_webhook(update) == 200
        assert await api.deliver_webhook(update) == 200
        await api.wait_for("sendMessage")
        assert await runtime.worker.drain(timeout=10)
    assert len(api.called("sendMessage")) == 1


async def test_a_stored_update_writes_no_access_log_line(
    api: FakeBotApi, hooked: Gate, caplog: pytest.LogCaptureFixture
) -> None:
    """One line per update would drown the log of a busy bot (the handler logs problems)."""
    caplog.set_level(logging.DEBUG)
    assert await asyncio.wait_for(api.deliver_webhook(p.message("quiet")), 10) == 200
    hook = [r for r in caplog.records if r.name == "aiohttp.access" and "/hook" in r.getMessage()]
    assert hook == [], "the fake Bot API's own access lines do not count; the webhook's do"
