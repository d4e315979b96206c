"""When a Discord bot is ready: as soon as every guild READY listed has arrived.

discord.py calls a client ready only once no GUILD_CREATE came for ``guild_ready_timeout``
seconds (2 by default), a fixed wait at every start after the last guild arrived. READY
names the guilds to expect (as unavailable stubs, per shard); once each has arrived, the
bot is ready and the wait is skipped. discord.py's own ``ready`` stays the fallback (a
guild Discord never delivers, an outage).

While discord.py still waits, it reports every arriving guild as ``guild_available``,
including one the bot was invited to in that window: a guild READY did not list is a
join (:meth:`Startup.arrived` says so), so it is not lost.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any


class Startup:
    """The guilds a client's shards still wait for, and whether it is ready."""

    def __init__(self, shards: Collection[int]) -> None:
        self.shards = frozenset(shards)
        """The shards this client runs."""
        self._waiting: dict[int, set[int]] = {}
        """Per shard that got READY: the guild ids it listed that have not arrived."""
        self._listed: set[int] = set()

    @property
    def complete(self) -> bool:
        return self.shards <= self._waiting.keys() and not any(self._waiting.values())

    def listed(self, data: Any) -> None:
        """A READY dispatch: its shard and the guilds it will send."""
        shard = data.get("shard") if isinstance(data, dict) else None
        shard_id = int(shard[0]) if isinstance(shard, list | tuple) and shard else 0
        guilds = data.get("guilds") if isinstance(data, dict) else None
        ids = {int(g["id"]) for g in guilds or () if isinstance(g, dict) and "id" in g}
        self._waiting[shard_id] = ids
        self._listed |= ids

    def arrived(self, guild_id: int) -> bool:
        """A guild arrived while discord.py waits; True when READY did not list it (the
        bot was invited in the meantime: a join)."""
        if guild_id not in self._listed:
            return True
        for waiting in self._waiting.values():
            waiting.discard(guild_id)
        return False

    def watch_ready(
        self, parsers: dict[str, Callable[[Any], None]], then: Callable[[], None]
    ) -> None:
        """Record each READY before discord.py parses it; ``then`` once complete."""
        parse = parsers["READY"]

        def ready(data: Any) -> None:
            self.listed(data)
            parse(data)
            if self.complete:
                then()

        parsers["READY"] = ready
