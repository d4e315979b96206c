"""The fake Bot API as the chaos suite needs it: every answer timed, a 429 storm, and a
webhook pusher that redelivers like Telegram.

Built on :class:`tests.fakes.telegram.server.FakeBotApi` without changing it:

* :attr:`ChaosBotApi.log` keeps every request with its arrival time, its status and its
  result, so effects are counted from what the server accepted (a 429 sends nothing) and
  delays are measured from the server's side.
* A second ``answerCallbackQuery`` for one query is refused with Telegram's 400, as the
  real server does: a toast repeated after a crash never reaches the member twice (the
  repeats are counted in :attr:`ChaosBotApi.repeated_toasts`).
* :meth:`ChaosBotApi.storm` answers every outbound method with ``429`` and ``retry_after``
  until the storm ends, as Telegram does to a bot it throttles.
* :meth:`ChaosBotApi.push_webhooks` switches :meth:`push` to webhook delivery: updates are
  POSTed to the registered webhook with its secret and redelivered until answered 200
  (Telegram retries every unanswered or failed delivery). Updates of one chat go out in
  order, one at a time, on their own lane; lanes run in parallel like Telegram's
  ``max_connections``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.telegram.server import FakeBotApi, _error, _params

STORMED = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "editMessageText",
        "editMessageReplyMarkup",
        "deleteMessage",
        "answerCallbackQuery",
        "restrictChatMember",
        "banChatMember",
        "unbanChatMember",
    }
)


@dataclass(frozen=True)
class Record:
    at: float
    """``time.monotonic()`` when the answer was ready."""
    method: str
    params: dict[str, Any]
    status: int
    result: Any


@dataclass
class ChaosBotApi(FakeBotApi):
    log: list[Record] = field(default_factory=list)
    throttled: int = 0
    """Requests answered 429 by :meth:`storm`."""
    repeated_toasts: int = 0
    """Second answers to one callback query, refused as Telegram refuses them."""
    webhook_attempts: int = 0
    webhook_failures: int = 0
    """Webhook deliveries answered other than 200, or not answered at all."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._storm_until = 0.0
        self._retry_after = 1
        self._lanes: list[asyncio.Queue[dict[str, Any]]] = []
        self._pushers: list[asyncio.Task[None]] = []
        self._http: aiohttp.ClientSession | None = None
        self._answered: set[str] = set()

    # -- controls -------------------------------------------------------------------------

    def storm(self, seconds: float, retry_after: int = 1) -> None:
        """Answer 429 to every outbound method for ``seconds`` from now."""
        self._storm_until = time.monotonic() + seconds
        self._retry_after = retry_after

    def calm(self) -> None:
        self._storm_until = 0.0

    def push_webhooks(self, lanes: int = 8) -> None:
        """From now on :meth:`push` delivers to the registered webhook instead of
        queueing for ``getUpdates``."""
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=True),
            timeout=aiohttp.ClientTimeout(total=30),
        )
        self._lanes = [asyncio.Queue() for _ in range(lanes)]
        self._pushers = [asyncio.create_task(self._deliver(lane)) for lane in self._lanes]

    async def push(self, update: dict[str, Any]) -> int:
        if not self._lanes:
            return await super().push(update)
        chat = _chat_of(update)
        self._lanes[hash(chat) % len(self._lanes)].put_nowait(update)
        return int(update["update_id"])

    def webhook_backlog(self) -> int:
        return sum(lane.qsize() for lane in self._lanes)

    async def close(self) -> None:
        for pusher in self._pushers:
            pusher.cancel()
        for pusher in self._pushers:
            with contextlib.suppress(asyncio.CancelledError):
                await pusher
        if self._http is not None:
            await self._http.close()
        await super().close()

    async def changed(self, timeout: float) -> None:
        """Return when the server recorded something new, or after ``timeout``."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)

    def accepted(self, method: str) -> list[Record]:
        return [r for r in self.log if r.method == method and r.status == 200]

    # -- protocol -------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        method = method[0].lower() + method[1:]
        if method in STORMED and time.monotonic() < self._storm_until:
            self.throttled += 1
            response = _error(
                429,
                f"Too Many Requests: retry after {self._retry_after}",
                {"retry_after": self._retry_after},
            )
        elif method == "answerCallbackQuery" and await self._answered_before(request):
            # Telegram takes one answer per callback query; a repeat changes nothing.
            self.repeated_toasts += 1
            response = _error(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        else:
            response = await super()._handle(request)
        params = await _params(request)  # aiohttp keeps the body: this reads no socket
        if method == "answerCallbackQuery" and response.status == 200:
            self._answered.add(str(params.get("callback_query_id")))
        result = None
        if response.status == 200 and isinstance(response.body, bytes):
            result = json.loads(response.body).get("result")
        async with self._changed:
            self.log.append(Record(time.monotonic(), method, params, response.status, result))
            self._changed.notify_all()
        return response

    async def _answered_before(self, request: web.Request) -> bool:
        params = await _params(request)
        return str(params.get("callback_query_id")) in self._answered

    async def _deliver(self, lane: asyncio.Queue[dict[str, Any]]) -> None:
        assert self._http is not None
        while True:
            update = await lane.get()
            failures = 0
            while not await self._post(update):
                failures += 1
                # Telegram backs off between redeliveries; so does this lane.
                await asyncio.sleep(min(0.1 * 2**failures, 1.0))

    async def _post(self, update: dict[str, Any]) -> bool:
        assert self._http is not None
        async with self._changed:
            await self._changed.wait_for(lambda: self.webhook is not None)
        assert self.webhook is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": str(self.webhook.get("secret_token", ""))}
        self.webhook_attempts += 1
        try:
            async with self._http.post(self.webhook["url"], json=update, headers=headers) as answer:
                if answer.status == 200:
                    return True
        except (aiohttp.ClientError, TimeoutError):
            pass
        self.webhook_failures += 1
        return False


def _chat_of(update: dict[str, Any]) -> int:
    for kind in ("message", "chat_member", "my_chat_member", "edited_message"):
        if kind in update:
            return int(update[kind]["chat"]["id"])
    if "callback_query" in update:
        return int(update["callback_query"]["message"]["chat"]["id"])
    return 0
