"""Two communities on one bot, every built-in feature on, for the hostile tests: what one
community's manager can reach of the other's by id or by pressing its buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import select

from tests.escalation.support import Clock, Place, adapter, person
from tests.harness import console_runtime
from tests.support import MemoryAdapter
from townsquare.bots.runtime import Runtime
from townsquare.core.events import ButtonPressed
from townsquare.core.refs import MessageRef, PlatformRole
from townsquare.storage.schema import metadata

BOT = "bot"
ANN = person("Ann", PlatformRole.ADMIN, "ann")
"""Manages community A."""
BEN = person("Ben", PlatformRole.ADMIN, "ben")
"""Manages community B (and is nobody in A)."""
MIA = person("Mia", user_id="mia")
MALLORY = person("Mallory", user_id="mallory")

INFRASTRUCTURE = frozenset(
    {
        "processed_events",
        "outbox",
        "sent_messages",
        "communities",
        "channels",
        "members",
        "bot_processes",
        "gateway_sessions",
        "rate_slots",
        "rejected_updates",
        "escalation_managers",
        "faq_state",
        # Counters of the community's own activity, added to when its facts are handled,
        # which the scheduler does whenever it runs (after A's example, during B's).
        "analytics_days",
        "analytics_active",
        "analytics_newcomers",
        "analytics_cases",
    }
)
"""Tables that change with any event (the pipeline's records, the roster, the managers
seen); every other table holds what features did, and a hostile attempt leaves it as is."""


def places(platform: str, clock: Clock) -> tuple[Place, Place]:
    a = Place(BOT, platform, "A1", "a-general", title="Alpha", clock=clock)
    b = Place(BOT, platform, "B1", "b-general", title="Beta", clock=clock)
    return a, b


@asynccontextmanager
async def two_communities(
    url: str, platform: str, clock: Clock
) -> AsyncIterator[tuple[Runtime, MemoryAdapter]]:
    """A running bot of ``platform`` (memory adapter) with every built-in feature."""
    made = adapter(BOT, platform)
    async with console_runtime(url, {BOT: made}, clock=clock) as runtime:
        yield runtime, made


def press_at(place: Place, data: str, who: Any, message_id: str) -> ButtonPressed:
    """A press of ``data`` in ``place`` on its message ``message_id``."""
    pressed = place.press(data, who=who)
    return ButtonPressed(
        platform=pressed.platform,
        bot=pressed.bot,
        event_id=pressed.event_id,
        occurred_at=pressed.occurred_at,
        community=pressed.community,
        channel=pressed.channel,
        actor=pressed.actor,
        data=data,
        interaction_id=pressed.interaction_id,
        message=MessageRef(place.channel, message_id),
    )


RUN_STATE = frozenset(
    ("scheduled_jobs", column) for column in ("status", "locked_until", "fired_at")
)
"""Columns that change by themselves: the scheduler fires a due job (a published fact is
due at once) whenever it runs. Which jobs exist, and what they carry, is compared."""


async def feature_state(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every feature table (all but :data:`INFRASTRUCTURE`), sorted."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    async with runtime.engine.connect() as connection:
        for name, table in sorted(metadata.tables.items()):
            if name in INFRASTRUCTURE:
                continue
            columns = [c for c in table.columns if (name, c.name) not in RUN_STATE]
            rows = await connection.execute(select(*columns))
            state[name] = sorted((tuple(row) for row in rows), key=repr)
    return state
