"""Gateway intake: every dispatch the client parsed reaches the sink, mapped or rejected.

discord.py parses a dispatch and schedules the handlers as tasks; nothing acknowledges a
gateway event, so "stored on receipt" means: each handler hands its event to the sink at
once, and nothing received is dropped on the way:

* a dispatch discord.py's parser cannot read (a field missing from a real payload) would
  otherwise end the gateway connection with the exception; :meth:`Intake.guard` wraps the
  parsers so it becomes :class:`core.events.UpdateRejected` instead, and the connection
  goes on;
* fields Discord added later but discord.py requires (:data:`OPTIONAL_DEFAULTS`) get the
  value an older payload means, so a payload from an older gateway or a lagging proxy
  is read instead of rejected;
* a handler whose mapping raises hands an ``UpdateRejected`` too (:meth:`Intake.map`),
  with the raw dispatch it came from (:data:`CURRENT`, set while the parser runs, is
  copied into the handler tasks it schedules);
* :meth:`Intake.drain` waits until every event already received has been handed over,
  so a stop can close the gateway first and then let the pipeline close.

Each rejection is logged once at WARNING with the bot, the dispatch and the reason.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable, MutableMapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from townsquare.core.events import Event, UpdateRejected
from townsquare.core.ports import EventSink

log = logging.getLogger(__name__)

PLATFORM = "discord"

OPTIONAL_DEFAULTS: dict[str, dict[str, Any]] = {
    "MESSAGE_REACTION_ADD": {"type": 0, "burst": False},
    "MESSAGE_REACTION_REMOVE": {"type": 0, "burst": False},
    "GUILD_MEMBER_ADD": {"flags": 0},
    "GUILD_MEMBER_UPDATE": {"flags": 0},
    "INTERACTION_CREATE": {"version": 1, "attachment_size_limit": 10 * 1024 * 1024},
}
"""Fields Discord added later (or documents as optional) that discord.py reads as
required, with the value an older payload means; filled in only where missing."""

CURRENT: ContextVar[tuple[str, Any] | None] = ContextVar("discord_dispatch", default=None)
"""The dispatch (name, ``d``) being parsed, seen by the handler tasks it schedules."""


def _event_id(data: Any) -> str:
    """The dispatch's own id, else a stable hash of its body."""
    if isinstance(data, dict) and isinstance(data.get("id"), str | int):
        return str(data["id"])
    body = json.dumps(data, sort_keys=True, default=str).encode()
    return "sha256:" + hashlib.sha256(body).hexdigest()[:32]


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}"[:300] if text else type(error).__name__


class Intake:
    """Hands a bot's gateway events to the sink and keeps count of those in flight."""

    def __init__(self, bot: str) -> None:
        self.bot = bot
        self.sink: EventSink | None = None
        self.accepting = False
        self.failures = 0
        """Events that could not be stored so far (a saved session never passes them)."""
        self._inflight: set[asyncio.Future[Any]] = set()

    # the parsers ------------------------------------------------------------------------

    def guard(self, parsers: MutableMapping[str, Callable[[Any], None]]) -> None:
        """Wrap every discord.py parser (``ConnectionState.parsers``, the dict the
        gateway looks dispatches up in) so it records :data:`CURRENT` and never raises."""
        for name, parse in list(parsers.items()):
            parsers[name] = self._guarded(name, parse)

    def _guarded(self, name: str, parse: Callable[[Any], None]) -> Callable[[Any], None]:
        defaults = OPTIONAL_DEFAULTS.get(name)

        def run(data: Any) -> None:
            if defaults and isinstance(data, dict):
                data = {**defaults, **data}
            token = CURRENT.set((name, data))
            try:
                parse(data)
            except Exception as error:
                self.spawn(self.emit(self.rejected(name, data, error)))
            finally:
                CURRENT.reset(token)

        return run

    # events -----------------------------------------------------------------------------

    def rejected(self, kind: str, data: Any, error: BaseException) -> UpdateRejected:
        reason = _reason(error)
        log.warning("bot %s: %s could not be read (%s); stored as rejected", self.bot, kind, reason)
        return UpdateRejected(
            platform=PLATFORM,
            bot=self.bot,
            event_id=_event_id(data),
            occurred_at=datetime.now(UTC),
            community=None,
            channel=None,
            actor=None,
            raw={"t": kind, "d": data},
            update_kind=kind,
            reason=reason,
        )

    def map(self, kind: str, build: Callable[[], Event | None]) -> Event | None:
        """``build()``, or the rejection of the dispatch being handled if it raises."""
        try:
            return build()
        except Exception as error:
            current = CURRENT.get()
            data = current[1] if current is not None and current[0] == kind else None
            return self.rejected(kind, data, error)

    async def submit(self, event: Event) -> None:
        """Hand ``event`` to the sink; raise if it was not stored (or intake stopped)."""
        sink = self.sink
        if sink is None or not self.accepting:
            raise RuntimeError(f"bot {self.bot} is not taking events")
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            await sink(event)
        finally:
            if task is not None:
                self._inflight.discard(task)

    async def emit(self, event: Event | None) -> bool:
        """Hand ``event`` to the sink; True once it is stored. A failure is logged in one
        line; the saved session stays before it, so a later process's resume replays it
        (:mod:`adapters.discord.sessions`), else it is lost."""
        if event is None:
            return False
        try:
            await self.submit(event)
        except Exception as error:
            self.failures += 1
            log.error(
                "bot %s: %s %s was not stored: %s", self.bot, event.kind, event.event_id, error
            )
            return False
        return True

    def spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def settled(self) -> None:
        """Wait until every event received before this call was handed to the sink
        (unlike :meth:`drain`, not those arriving meanwhile: it ends under load too)."""
        await asyncio.sleep(0)
        current = asyncio.current_task()
        pending = [t for t in self._inflight if t is not current and not t.done()]
        if pending:
            await asyncio.wait(pending)

    async def drain(self) -> None:
        """Wait until every event received so far was handed to the sink. Handler tasks
        discord.py scheduled but that did not run yet get one turn of the loop first."""
        await asyncio.sleep(0)
        current = asyncio.current_task()
        while pending := [t for t in self._inflight if t is not current and not t.done()]:
            await asyncio.wait(pending)
