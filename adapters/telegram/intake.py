"""What both Telegram backends do with an update once their SDK has received it.

The SDKs differ in how updates arrive (aiogram's dispatcher, PTB's ``Application``); from
there the work is the same and lives here, so the backends cannot drift apart:

* :class:`AdminCache` knows each group's creator and administrators (``getChatAdministrators``),
  cached per chat, fetched once however many updates of that chat arrive together, and
  forgotten when a ``chat_member`` update shows an administrator change.
* :class:`Intake` maps the update (:mod:`adapters.telegram.inbound`) with those roles and
  hands each event to the core's sink. It counts updates in flight so ``stop()`` can let
  them finish before detaching the sink: an update Telegram already considers delivered
  must not be dropped on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from adapters.telegram.inbound import (
    BotIdentity,
    TelegramMapper,
    admin_change,
    chat_of_update,
    roles_from_administrators,
)
from core.ports import EventSink
from core.refs import PlatformRole

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

    async def handle(self, raw: Mapping[str, Any]) -> None:
        """Map one update (Bot API JSON) and wait until the core committed its events.

        Errors are logged with the update id and swallowed: one update that cannot be
        processed must not stop the poller or the rest of its batch.
        """
        sink, mapper = self._sink, self.mapper
        if sink is None or mapper is None:
            log.debug("bot %s is stopping; update %s left for the next start", self.bot, _id(raw))
            return
        self._busy += 1
        try:
            changed = admin_change(raw)
            if changed is not None:
                self.admins.forget(changed)
            chat = chat_of_update(raw)
            roles = await self.admins.roles(str(chat["id"])) if chat is not None else {}
            for event in mapper.map(raw, roles):
                await sink(event)
        except Exception:
            log.exception("bot %s could not process update %s", self.bot, _id(raw))
        finally:
            self._busy -= 1
            if self._busy == 0:
                async with self._idle:
                    self._idle.notify_all()

    async def close(self, timeout: float = 10.0) -> None:
        """Let updates in flight reach the core, then accept no more."""
        try:
            async with self._idle:
                await asyncio.wait_for(self._idle.wait_for(lambda: self._busy == 0), timeout)
        except TimeoutError:
            log.warning("bot %s: %d update(s) still in flight at stop", self.bot, self._busy)
        self._sink = None


def _id(raw: Mapping[str, Any]) -> object:
    return raw.get("update_id", "?")
