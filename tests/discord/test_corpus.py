"""Recorded real-world gateway payloads (``tests/conformance/corpus/discord``, each file
naming where it comes from) replayed through the real adapter over the fake gateway.

Each dispatch is sent on the live connection; its ids are moved onto the fake's guild and
``#general`` (payloads recorded before Discord added ``guild_id`` to messages get it), so
discord.py's cache resolves them as it would in the guild they came from. Then a sentinel
message follows: everything the adapter handed to the sink in between is what the
payload became, and must be exactly the file's ``expect`` (nothing for kinds the bot does
not use). A payload nobody can read becomes one ``UpdateRejected``, logged once; the
connection survives every payload (one IDENTIFY for the whole replay)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from tests.discord.conftest import Running, World
from townsquare.core.events import MessagePosted, UpdateRejected

CORPUS = Path(__file__).resolve().parents[1] / "conformance" / "corpus" / "discord"
FILES = sorted(CORPUS.glob("*.json"))
IN_A_GUILD = ("MESSAGE_", "GUILD_MEMBER_", "INTERACTION_CREATE", "TYPING_START")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _placed(kind: str, data: dict[str, Any], world: World) -> dict[str, Any]:
    """The payload in the fake's guild and #general (see the module docstring)."""
    placed = dict(data)
    if kind.startswith(IN_A_GUILD):
        placed["guild_id"] = str(world.guild.id)
        if "channel_id" in placed:
            placed["channel_id"] = str(world.general_id)
        if isinstance(placed.get("channel"), dict):
            placed["channel"] = world.guild.channel("general")
    return placed


def test_every_corpus_file_names_its_origin() -> None:
    assert len(FILES) >= 12
    for path in FILES:
        data = _load(path)
        origin = data["origin"]
        assert origin["repository"] and origin["path"], path.name
        assert isinstance(data["expect"], list) and data["dispatch"]["t"], path.name


async def test_recorded_payloads_survive_intake(
    running: Running, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    fake, events = world.fake, running.events
    connections = len(fake.connections)
    for number, path in enumerate(FILES):
        corpus = _load(path)
        kind, data = corpus["dispatch"]["t"], corpus["dispatch"]["d"]
        before = len(events.events)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="townsquare.adapters.discord"):
            await fake.dispatch(kind, _placed(kind, data, world), guild_id=world.guild.id)
            sentinel = f"sentinel {number}"
            await fake.post(world.guild, "general", world.alice_id, sentinel)
            await events.wait_for(
                lambda e, text=sentinel: isinstance(e, MessagePosted) and e.text == text
            )
        got = events.events[before:]
        assert isinstance(got[-1], MessagePosted) and got[-1].text == sentinel, path.name
        assert [e.kind for e in got[:-1]] == corpus["expect"], path.name
        rejected = [e for e in got if isinstance(e, UpdateRejected)]
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == len(rejected), f"{path.name}: logged once per rejection"
        for event in rejected:
            assert event.update_kind == kind and event.reason
            assert event.raw is not None and event.raw["t"] == kind
            assert kind in warnings[0].getMessage()
    assert len(fake.connections) == connections, "one connection for the whole replay"
    identifies = [d for way, d in fake.gateway_log if way == "recv" and d["op"] == 2]
    assert len(identifies) == 1
