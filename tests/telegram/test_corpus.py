"""The conformance corpus (tests/conformance/corpus/telegram) through both backends.

Real-world updates recorded by other projects: each must map to its events or to
UpdateRejected, replayed through the real adapter and the fake Bot API, with nothing lost
and no exception escaping.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import BOT_USER, FakeBotApi
from tests.telegram.conftest import Collector, bot_config
from townsquare.adapters.telegram.inbound import BotIdentity, TelegramMapper
from townsquare.bots.platforms import adapter_factory
from townsquare.core.events import Event
from townsquare.core.ports import AdapterDeps

CORPUS = Path(__file__).parents[1] / "conformance" / "corpus" / "telegram"


def entries() -> dict[str, dict[str, Any]]:
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(CORPUS.glob("*.json"))
    }


ENTRIES = entries()


def test_the_corpus_covers_the_kinds_that_matter() -> None:
    kinds = {key for entry in ENTRIES.values() for key in entry["update"] if key != "update_id"}
    assert {
        "message",
        "edited_message",
        "callback_query",
        "chat_member",
        "my_chat_member",
        "message_reaction",
        "channel_post",
    } <= kinds
    messages = [entry["update"].get("message", {}) for entry in ENTRIES.values()]
    assert any("new_chat_members" in message for message in messages)
    assert any("link_preview_options" in message for message in messages)
    edits = [entry["update"].get("edited_message", {}) for entry in ENTRIES.values()]
    assert any("link_preview_options" in edit for edit in edits)


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_each_entry_notes_its_origin_and_maps_as_expected(name: str) -> None:
    entry = ENTRIES[name]
    assert entry["origin"]["repository"] and entry["origin"]["path"] and entry["note"]
    mapper = TelegramMapper("telegram", "tg", BotIdentity(BOT_USER["id"], "town_bot"))
    assert [event.kind for event in mapper.map(entry["update"])] == entry["expect"]


async def test_the_corpus_replayed_through_the_adapter_loses_nothing(
    api: FakeBotApi, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    """All at once in one getUpdates answer (kinds the bot did not ask for included, as a
    self-hosted server may send them), then one ordinary message after them."""
    api.serve_every_kind = True
    api.administrators[p.GROUP["id"]] = []
    expected: dict[int, list[str]] = {}
    for entry in ENTRIES.values():
        update = {key: value for key, value in entry["update"].items() if key != "update_id"}
        expected[await api.push(update)] = entry["expect"]
    last = await api.push(p.message("after the corpus", message_id=900))
    expected[last] = ["MessagePosted"]
    total = sum(len(kinds) for kinds in expected.values())

    sink = Collector()
    adapter = adapter_factory(backend)(bot_config(api, backend), AdapterDeps())
    with caplog.at_level(logging.WARNING):
        await adapter.start(sink)
        try:
            await sink.wait(total)
        finally:
            await adapter.stop()
            await adapter.close()

    by_update: dict[int, list[str]] = defaultdict(list)
    for event in sink.events:
        by_update[update_id_of(event)].append(event.kind)
    assert {uid: by_update.get(uid, []) for uid in expected} == expected
    assert api.confirmed == last + 1, "every update confirmed once stored"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    rejected = [r for r in caplog.records if "cannot be read" in r.getMessage()]
    assert len(rejected) == sum(kinds.count("UpdateRejected") for kinds in expected.values())
    assert all("callback_query" in record.getMessage() for record in rejected)


def update_id_of(event: Event) -> int:
    assert event.raw is not None
    return int(event.raw["update_id"])
