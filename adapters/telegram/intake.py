"""What both Telegram backends do with an update once it has arrived (polled or posted).

The transports differ only in how updates arrive (:mod:`adapters.telegram.polling`,
:mod:`adapters.telegram.webhook`, shared by both backends too); from there the work is the
same and lives here, so the backends cannot drift apart:

* :class:`AdminCache` knows each group's creator and administrators (``getChatAdministrators``),
  cached per chat, fetched once however many updates of that chat arrive together, and
  forgotten when a ``chat_member`` update shows an administrator change.
* :class:`Intake` maps the update (:mod:`adapters.telegram.inbound`) with those roles and
  hands each event to the core's sink, returning only once the sink committed them all.
  :meth:`Intake.handle_batch` does the same for a whole getUpdates answer: mapped in one
  pass and, when the sink is the core's pipeline, queued without a task per update
  (:meth:`core.pipeline.Pipeline.enqueue`): a task and its coroutines cost about a tenth
  of an update's time.
  An update that cannot be mapped becomes an :class:`~core.events.UpdateRejected` (logged
  once) and is committed like any event. A failure to store is *not* swallowed: it
  propagates (as does :class:`IntakeClosed` once stopping), so the transport does not
  confirm the update to Telegram, which delivers it again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from townsquare.adapters.telegram.inbound import (
    SHAPE_ERRORS,
    BotIdentity,
    TelegramMapper,
    admin_change,
    chat_of_update,
    roles_from_administrators,
)
from townsquare.core.events import Event, UpdateRejected
from townsquare.core.pipeline import Pipeline
from townsquare.core.ports import EventSink
from townsquare.core.refs import PlatformRole

log = logging.getLogger(__name__)

Roles = dict[str, PlatformRole]
FetchAdministrators = Callable[[int], Awaitable[list[dict[str, Any]]]]


class AdminCache:
    """Administrator roles per chat, from ``getChatAdministrators``.

    Entries live ``ttl`` seconds: a bot that is not an administrator receives no
    ``chat_member`` updates, so a promotion reaches it only through expiry. A failed fetch
    keeps the previous roles (or none) for ``retry_after_failure`` seconds instead of asking
    again for every message of a chat the bot cannot inspect.
    """

    def __init__(
        self,
        fetch: FetchAdministrators,
        *,
        ttl: float = 600.0,
        retry_after_failure: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self.ttl = ttl
        self.retry_after_failure = retry_after_failure
        self._clock = clock
        self._entries: dict[str, tuple[float, Roles]] = {}
        self._loading: dict[str, asyncio.Future[Roles]] = {}
        self.fetches = 0

    def forget(self, chat_id: str) -> None:
        """The chat's administrators changed: the next update fetches them again."""
        self._entries.pop(chat_id, None)
        self._loading.pop(chat_id, None)  # an answer already on its way may predate the change

    def cached(self, chat_id: str) -> Roles | None:
        """The chat's roles if they are known and fresh (no fetch, no await)."""
        entry = self._entries.get(chat_id)
        if entry is not None and entry[0] > self._clock():
            return entry[1]
        return None

    async def roles(self, chat_id: str) -> Roles:
        entry = self._entries.get(chat_id)
        if entry is not None and entry[0] > self._clock():
            return entry[1]
        loading = self._loading.get(chat_id)
        if loading is None:
            loading = asyncio.ensure_future(self._load(chat_id, entry))
            self._loading[chat_id] = loading
        # Shielded: one caller being cancelled must not cancel the fetch the others await.
        return await asyncio.shield(loading)

    async def _load(self, chat_id: str, previous: tuple[float, Roles] | None) -> Roles:
        self.fetches += 1
        try:
            roles = roles_from_administrators(await self._fetch(int(chat_id)))
            expires = self._clock() + self.ttl
        except Exception as error:
            log.warning("cannot read the administrators of chat %s: %s", chat_id, error)
            roles = previous[1] if previous is not None else {}
            expires = self._clock() + self.retry_after_failure
        if self._loading.get(chat_id) is asyncio.current_task():
            del self._loading[chat_id]
            self._entries[chat_id] = (expires, roles)
        return roles


class IntakeClosed(Exception):
    """The bot is stopping: the update was not taken and must not be confirmed."""


class Intake:
    """Maps updates and feeds the core, for one bot."""

    def __init__(self, platform: str, bot: str, fetch_administrators: FetchAdministrators):
        self.platform = platform
        self.bot = bot
        self.admins = AdminCache(fetch_administrators)
        self.mapper: TelegramMapper | None = None
        self._sink: EventSink | None = None
        self._busy = 0
        self._idle = asyncio.Condition()

    def open(self, me: BotIdentity, sink: EventSink) -> None:
        if not me.reads_all_group_messages:
            log.warning(
                "bot %s has privacy mode on: in groups where it is not an administrator "
                "Telegram sends it only commands and replies to it, so FAQ auto-answers work "
                "only where it is an administrator (or turn privacy mode off: @BotFather, "
                "/setprivacy)",
                self.bot,
            )
        self.mapper = TelegramMapper(self.platform, self.bot, me)
        self._sink = sink

    @property
    def is_open(self) -> bool:
        return self._sink is not None

    async def handle(self, raw: Any) -> None:
        """Map one update (Bot API JSON) and return once the core committed its events.

        Raises :class:`IntakeClosed` when stopping, and whatever the sink raised when an
        event could not be stored: the caller must then not confirm the update."""
        sink, mapper = self._sink, self.mapper
        if sink is None or mapper is None:
            raise IntakeClosed(f"bot {self.bot} is stopping; update {_id(raw)} left for later")
        self._busy += 1
        try:
            events = await self._map(mapper, raw)
            self._log_rejected(events)
            if len(events) == 1:
                await sink(events[0])
            elif events:  # submitted together, in order: one group commit for them all
                await asyncio.gather(*(sink(event) for event in events))
        finally:
            await self._done()

    async def handle_batch(self, raws: Sequence[Any]) -> list[BaseException | None]:
        """:meth:`handle` for every update of a getUpdates answer, in order; what each
        raised (None: committed). Raises :class:`IntakeClosed` when stopping.

        With the core's pipeline as the sink, the updates are mapped in one pass and their
        events queued in order with :meth:`~core.pipeline.Pipeline.enqueue`, then awaited:
        one group commit for the batch, no task per update. Any other sink gets
        :meth:`handle` per update, concurrently."""
        sink, mapper = self._sink, self.mapper
        if sink is None or mapper is None:
            raise IntakeClosed(f"bot {self.bot} is stopping; {len(raws)} update(s) left for later")
        owner = getattr(sink, "__self__", None)
        if not isinstance(owner, Pipeline):
            outcomes = await asyncio.gather(
                *(self.handle(raw) for raw in raws), return_exceptions=True
            )
            return [error if isinstance(error, BaseException) else None for error in outcomes]
        self._busy += 1
        try:
            results: list[BaseException | None] = [None] * len(raws)
            queued: list[tuple[int, asyncio.Future[None]]] = []
            for index, raw in enumerate(raws):
                try:
                    events = self._map_known(mapper, raw)
                    if events is None:  # the chat's roles must be fetched first
                        events = await self._map(mapper, raw)
                except Exception as error:  # this update only; the batch goes on
                    results[index] = error
                    continue
                self._log_rejected(events)
                queued += [(index, owner.enqueue(event)) for event in events]
            for index, future in queued:
                try:
                    await future
                except Exception as error:
                    results[index] = results[index] or error
            return results
        finally:
            await self._done()

    async def _done(self) -> None:
        self._busy -= 1
        if self._busy == 0:
            async with self._idle:
                self._idle.notify_all()

    def _log_rejected(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, UpdateRejected):
                log.warning(
                    "bot %s: update %s (%s) cannot be read, stored as rejected: %s",
                    self.bot,
                    event.event_id,
                    event.update_kind,
                    event.reason,
                )

    def _map_known(self, mapper: TelegramMapper, raw: Any) -> list[Event] | None:
        """:meth:`_map` without awaiting, or None when the roles must be fetched."""
        if not isinstance(raw, Mapping):
            return [mapper.rejected(raw, TypeError("an update must be a JSON object"))]
        try:
            changed = admin_change(raw)
            chat = chat_of_update(raw)
            chat_id = str(chat["id"]) if chat is not None else None
        except SHAPE_ERRORS as error:
            return [mapper.rejected(raw, error)]
        if changed is not None:
            return None  # forgotten and fetched again by _map
        roles = self.admins.cached(chat_id) if chat_id is not None else {}
        return None if roles is None else mapper.map(raw, roles)

    async def _map(self, mapper: TelegramMapper, raw: Any) -> list[Event]:
        if not isinstance(raw, Mapping):
            return [mapper.rejected(raw, TypeError("an update must be a JSON object"))]
        try:
            changed = admin_change(raw)
            chat = chat_of_update(raw)
            chat_id = str(chat["id"]) if chat is not None else None
        except SHAPE_ERRORS as error:
            return [mapper.rejected(raw, error)]
        if changed is not None:
            self.admins.forget(changed)
        roles = await self.admins.roles(chat_id) if chat_id is not None else {}
        return mapper.map(raw, roles)

    async def close(self, timeout: float = 10.0) -> None:
        """Let updates in flight reach the core, then accept no more."""
        try:
            async with self._idle:
                await asyncio.wait_for(self._idle.wait_for(lambda: self._busy == 0), timeout)
        except TimeoutError:
            log.warning("bot %s: %d update(s) still in flight at stop", self.bot, self._busy)
        self._sink = None


def _id(raw: Any) -> object:
    return raw.get("update_id", "?") if isinstance(raw, Mapping) else "?"
