"""``townsquare web CONFIG``: health, readiness and metrics in a process of its own.

It runs no bot. A bot counts as running while some ``townsquare run`` process has a live
row for it in ``bot_processes`` (refreshed every 10 s, stale after 30 s); readiness then
also asks the bot's platform, as in the bots' own process. Counters (events, deliveries)
live in the processes that run the bots; this one reports the database's view: outbox
depth and age, and which bots are up.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from townsquare.bots.config import Config
from townsquare.core.metrics import Metrics
from townsquare.storage.database import create_engine
from townsquare.storage.health import live_bots


class Standalone:
    """What :mod:`web.app` observes, read from the database instead of a runtime."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.metrics = Metrics()
        self.engine: AsyncEngine = create_engine(config.storage.url)
        self._live: set[str] = set()
        self.errors: dict[str, str] = {}

    async def refresh(self) -> None:
        """Re-read which bots run somewhere; called before each request is answered."""
        try:
            self._live = await live_bots(self.engine, datetime.now(UTC))
        except Exception:
            self._live = set()  # the database check reports why
        self.errors = {
            bot.name: "no townsquare run process runs this bot"
            for bot in self.config.bots
            if bot.enabled and bot.name not in self._live
        }

    def bot_states(self) -> dict[str, str]:
        return {
            bot.name: "running" if bot.name in self._live else "stopped"
            for bot in self.config.bots
            if bot.enabled
        }

    async def close(self) -> None:
        await self.engine.dispose()
