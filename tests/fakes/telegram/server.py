"""Fake Telegram Bot API: ``/bot<token>/<method>`` on 127.0.0.1, port 0.

Speaks the real shapes: ``{"ok": true, "result": ...}`` and errors as
``{"ok": false, "error_code", "description"[, "parameters": {"retry_after"}]}``. getUpdates
long-polls with ``offset``/``limit``/``timeout`` and remembers ``allowed_updates`` like the
real server. Tests push updates with :meth:`FakeBotApi.push` and wait on recorded calls.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

BOT_USER = {
    "id": 777000111,
    "is_bot": True,
    "first_name": "Town Bot",
    "username": "town_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class FakeBotApi:
    token: str = "123456:TEST-token-for-the-fake-api-000000"
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    allowed_updates: list[str] | None = None
    administrators: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    failures: dict[str, list[tuple[int, str, dict[str, Any] | None]]] = field(default_factory=dict)
    """method -> queued errors (status, description, parameters) returned before success."""
    webhook: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self._changed = asyncio.Condition()
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(500)
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> FakeBotApi:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        host, port = self.runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def close(self) -> None:
        async with self._changed:
            self._changed.notify_all()
        if self.runner is not None:
            await self.runner.cleanup()

    # -- test controls --------------------------------------------------------------------

    async def push(self, update: dict[str, Any]) -> int:
        """Queue an update (``update_id`` assigned unless given); returns its id."""
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        async with self._changed:
            self.updates.append(update)
            self._changed.notify_all()
        return int(update["update_id"])

    async def deliver_webhook(self, update: dict[str, Any]) -> int:
        """POST an update to the registered webhook with its secret, as Telegram does;
        returns the HTTP status the bot answered."""
        assert self.webhook is not None, "no webhook registered"
        update = {"update_id": next(self._update_ids), **update}
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook.get("secret_token", "")}
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.webhook["url"], json=update, headers=headers) as response,
        ):
            return response.status

    def fail(
        self, method: str, status: int, description: str, retry_after: int | None = None
    ) -> None:
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        self.failures.setdefault(method, []).append((status, description, parameters))

    def called(self, method: str) -> list[dict[str, Any]]:
        return [call.params for call in self.calls if call.method == method]

    async def wait_for(
        self, method: str, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.called(method)) >= count), timeout
            )
        return self.called(method)

    # -- protocol -------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        lowered = method[0].lower() + method[1:]
        if lowered != "getUpdates":
            async with self._changed:
                self.calls.append(Call(lowered, params))
                self._changed.notify_all()
        queued = self.failures.get(lowered)
        if queued:
            status, description, parameters = queued.pop(0)
            return _error(status, description, parameters)
        handler = getattr(self, f"_m_{lowered}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        result = await handler(params)
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = params
        if "allowed_updates" in params:
            self.allowed_updates = params["allowed_updates"]
        return True

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        if "allowed_updates" in params and params["allowed_updates"] is not None:
            self.allowed_updates = list(params["allowed_updates"])
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        async with self._changed:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and time.monotonic() < deadline and self.runner is not None:
                try:
                    await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
            return [u for u in self.updates if self._allowed(u)][:limit]

    def _allowed(self, update: dict[str, Any]) -> bool:
        kinds = self.allowed_updates or [
            k for k in ("message", "edited_message", "callback_query", "my_chat_member")
        ]
        return any(kind in update for kind in kinds)

    async def _m_getChatAdministrators(self, params: dict[str, Any]) -> Any:
        return self.administrators.get(int(params["chat_id"]), [])

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        return {
            "message_id": int(params["message_id"]),
            "date": int(time.time()),
            "edit_date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "supergroup"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }

    async def _ok(self, params: dict[str, Any]) -> Any:
        return True

    _m_deleteMessage = _ok
    _m_answerCallbackQuery = _ok
    _m_restrictChatMember = _ok
    _m_banChatMember = _ok
    _m_unbanChatMember = _ok
    _m_close = _ok
    _m_logOut = _ok


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data = await request.json()
        return dict(data) if isinstance(data, dict) else {}
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        text = value if isinstance(value, str) else ""
        # Like the real server, form values are typed by their JSON reading ("42" is 42).
        try:
            params[key] = json.loads(text) if _looks_like_json(text) else text
        except ValueError:
            params[key] = text
    return params


def _looks_like_json(text: str) -> bool:
    return text[:1] in "[{" or text in ("true", "false") or text.lstrip("-").isdigit()


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)
