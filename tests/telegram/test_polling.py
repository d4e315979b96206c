"""Long polling on both backends confirms to Telegram only what the core committed.

The fake records the ``offset`` of every ``getUpdates`` call and, like Telegram, forgets
an update for good once an offset passes it: ``api.confirmed`` is what the bot let go of.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from aiogram.types import Update
from pydantic import ValidationError

from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from tests.telegram.conftest import Collector, bot_config
from townsquare.adapters.telegram.polling import confirmable
from townsquare.bots.platforms import adapter_factory
from townsquare.core.events import Event, MessageEdited, MessagePosted
from townsquare.core.ports import Adapter, AdapterDeps


def text_of(event: Event) -> str:
    return str(getattr(event, "text", ""))


class Recorder:
    """A sink that fails or hangs for chosen texts, recording what it committed."""

    def __init__(self, fail_times: dict[str, int] | None = None, hang: str | None = None):
        self.fail_times = fail_times or {}
        self.hang = hang
        self.attempts: Counter[str] = Counter()
        self.committed: list[str] = []
        self.hanging = asyncio.Event()
        self.changed = asyncio.Condition()

    async def __call__(self, event: Event) -> None:
        text = text_of(event)
        self.attempts[text] += 1
        if self.attempts[text] <= self.fail_times.get(text, 0):
            raise ConnectionError("the database is unreachable")
        if text == self.hang:
            self.hanging.set()
            await asyncio.Event().wait()  # never commits
        async with self.changed:
            self.committed.append(text)
            self.changed.notify_all()

    async def wait(self, *texts: str) -> None:
        async with self.changed:
            await asyncio.wait_for(
                self.changed.wait_for(lambda: set(texts) <= set(self.committed)), 15
            )


def start(api: FakeBotApi, backend: str) -> Adapter:
    api.administrators[p.GROUP["id"]] = []
    return adapter_factory(backend)(bot_config(api, backend), AdapterDeps())


async def test_an_update_that_could_not_be_stored_is_not_confirmed_and_comes_again(
    api: FakeBotApi, backend: str
) -> None:
    """The sink raises (database gone longer than the pipeline's retries): the offset
    stays before that update, and the poller hands it over again until it is stored."""
    sink = Recorder(fail_times={"flaky": 2})
    first = await api.push(p.message("before", message_id=301))
    flaky = await api.push(p.message("flaky", message_id=302))
    last = await api.push(p.message("after", message_id=303))
    adapter = start(api, backend)
    await adapter.start(sink)
    try:
        await sink.wait("before", "flaky", "after")
        confirmed_when_stored = api.confirmed
        assert sink.attempts["flaky"] == 3, "handed over again after each failure"
        assert first < confirmed_when_stored <= flaky, "nothing past the failed update"
        await api.push(p.message("later", message_id=304))
        await sink.wait("later")
        assert api.confirmed > last, "once stored, the batch is confirmed"
    finally:
        await adapter.stop()
        await adapter.close()


async def test_updates_fetched_but_not_stored_when_the_bot_dies_come_again(
    api: FakeBotApi, backend: str
) -> None:
    """Killed while an update is still being stored: nothing from it on is confirmed, and
    the next start receives it again (repeats of the stored ones are de-duplicated)."""
    sink = Recorder(hang="stuck")
    await api.push(p.message("stored", message_id=311))
    stuck = await api.push(p.message("stuck", message_id=312))
    await api.push(p.message("also stored", message_id=313))
    adapter = start(api, backend)
    poller = getattr(adapter, "poller", None)
    if poller is not None:
        poller.drain = 0.2  # do not wait long for the hanging update: this is a kill
    await adapter.start(sink)
    await sink.wait("stored", "also stored")
    await asyncio.wait_for(sink.hanging.wait(), 10)
    await adapter.stop()
    await adapter.close()
    assert api.confirmed <= stuck, "the update being stored was not confirmed"

    again = Collector()
    fresh = start(api, backend)
    await fresh.start(again)
    try:
        events = await again.wait(1)
        assert "stuck" in [text_of(event) for event in events]
    finally:
        await fresh.stop()
        await fresh.close()


async def test_a_graceful_stop_confirms_what_was_stored(
    running: tuple[Adapter, Collector], api: FakeBotApi
) -> None:
    adapter, sink = running
    ids = [await api.push(p.message(f"m{n}", message_id=320 + n)) for n in range(3)]
    await sink.wait(3)
    await adapter.stop()
    assert api.confirmed == ids[-1] + 1, "a restart does not see them again"


async def test_messages_and_edits_with_link_preview_options_arrive(
    running: tuple[Adapter, Collector], api: FakeBotApi
) -> None:
    """Telegram adds link_preview_options whenever a sender changes a link preview; on
    aiogram, dumping its model back to JSON failed on them and the update was dropped."""
    _adapter, sink = running
    posted = p.message("see https://example.org", message_id=330)
    posted["message"]["link_preview_options"] = {"is_disabled": True}
    edited = p.message("see https://example.org/new", message_id=330)
    edited["edited_message"] = edited.pop("message")
    edited["edited_message"]["edit_date"] = edited["edited_message"]["date"] + 5
    edited["edited_message"]["link_preview_options"] = {
        "url": "https://example.org/new",
        "prefer_small_media": True,
        "show_above_text": True,
    }
    await api.push(posted)
    await api.push(edited)
    await api.push(p.message("after them", message_id=331))
    events = await sink.wait(3)
    assert [type(event) for event in events] == [MessagePosted, MessageEdited, MessagePosted]
    assert [text_of(event) for event in events] == [
        "see https://example.org",
        "see https://example.org/new",
        "after them",
    ]


async def test_an_update_the_sdk_cannot_decode_does_not_stop_the_others(
    running: tuple[Adapter, Collector], api: FakeBotApi
) -> None:
    """A server lagging the schema sends a sender without ``is_bot``: aiogram refuses the
    whole getUpdates answer for it; read raw, it is one more message among its neighbours."""
    _adapter, sink = running
    odd: dict[str, Any] = p.message("from an old server", message_id=341)
    odd["message"]["from"] = {"id": p.ALICE["id"], "first_name": "Alice"}  # no is_bot
    with pytest.raises(ValidationError):
        Update.model_validate({"update_id": 1, **odd})
    await api.push(p.message("first", message_id=340))
    await api.push(odd)
    await api.push(p.message("last", message_id=342))
    events = await sink.wait(3)
    assert [text_of(event) for event in events] == ["first", "from an old server", "last"]


async def test_bot_api_errors_while_polling_are_retried(
    running: tuple[Adapter, Collector], api: FakeBotApi
) -> None:
    """A 502 and a 429 from getUpdates: waited out, then polling goes on."""
    _adapter, sink = running
    await api.push(p.message("one", message_id=350))
    await sink.wait(1)
    api.fail("getUpdates", 502, "Bad Gateway")
    api.fail("getUpdates", 429, "Too Many Requests: retry after 1", retry_after=1)
    await api.push(p.message("two", message_id=351))
    events = await sink.wait(2)
    assert [text_of(event) for event in events] == ["one", "two"]


def test_only_the_committed_start_of_a_batch_is_confirmable() -> None:
    batch: list[Any] = [{"update_id": 5}, {"update_id": 6}, "garbage", {"update_id": 8}]
    failed = ConnectionError("gone")
    assert confirmable(batch, [None, None, None, None]) == 9
    assert confirmable(batch, [None, failed, None, None]) == 6, "not past the failure"
    assert confirmable(batch, [failed, None, None, None]) is None
    assert confirmable(batch[2:3], [None]) is None, "no id: nothing to confirm by"
