"""A rate-enforcing layer in front of a loopback fake: strict sliding windows per published
limit, answering 429 the way the platform does when a window is exceeded.

:class:`RateGate` is a small reverse proxy on 127.0.0.1 (port 0): each request is classified
into limit keys (Telegram: the bot 30/s, a private chat 1/s, a group 20/min; Discord: the
bot 50/s, a channel 5 per 5 s; Slack: a channel 1/s); if any key already holds its count
within its window the request is refused with the platform's 429 and never reaches the
fake, otherwise its time is recorded under every key and it is forwarded. A window is
strict: ``count`` requests in any ``window`` seconds, measured when the request arrives.
The fakes stay unchanged; point an adapter's ``api_url`` at :attr:`RateGate.url`.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import aiohttp
from aiohttp import web


@dataclass(frozen=True, slots=True)
class Window:
    key: str
    count: int
    seconds: float


Classify = Callable[[str, str, dict[str, Any]], list[Window]]
"""(HTTP method, path, parameters) -> the windows the request counts in."""

TELEGRAM_SENDS = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "copyMessage", "forwardMessage"}
)


def telegram(method: str, path: str, params: dict[str, Any]) -> list[Window]:
    name = path.rsplit("/", 1)[-1]
    if name not in TELEGRAM_SENDS or "chat_id" not in params:
        return []
    chat = int(params["chat_id"])
    per_chat = Window(f"private:{chat}", 1, 1.0) if chat > 0 else Window(f"group:{chat}", 20, 60)
    return [Window("bot", 30, 1.0), per_chat]


_DISCORD_MESSAGES = re.compile(r"/channels/(\d+)/messages$")


def discord(method: str, path: str, params: dict[str, Any]) -> list[Window]:
    matched = _DISCORD_MESSAGES.search(path)
    windows = [Window("bot", 50, 1.0)]
    if method == "POST" and matched:
        windows.append(Window(f"channel:{matched.group(1)}", 5, 5.0))
    return windows


def slack(method: str, path: str, params: dict[str, Any]) -> list[Window]:
    if not path.endswith("/chat.postMessage") or "channel" not in params:
        return []
    return [Window(f"channel:{params['channel']}", 1, 1.0)]


def _refusal(platform: str, retry_after: float) -> web.Response:
    match platform:
        case "telegram":
            wait = max(1, round(retry_after + 0.5))
            body: dict[str, Any] = {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {wait}",
                "parameters": {"retry_after": wait},
            }
            return web.json_response(body, status=429)
        case "discord":
            body = {"message": "You are being rate limited.", "retry_after": retry_after}
            headers = {"Retry-After": f"{retry_after:.3f}", "Via": "1.1 google"}
            return web.json_response({**body, "global": False}, status=429, headers=headers)
        case _:
            headers = {"Retry-After": str(max(1, round(retry_after + 0.5)))}
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers=headers
            )


CLASSIFIERS: dict[str, Classify] = {"telegram": telegram, "discord": discord, "slack": slack}


@dataclass
class RateGate:
    platform: str
    upstream: str
    """The fake's base URL (scheme, host and port)."""
    accepted: dict[str, list[float]] = field(default_factory=dict)
    """Arrival times (``time.monotonic()``) of the requests let through, by key."""
    refused: dict[str, int] = field(default_factory=dict)
    """429s answered, by the key whose window was full."""
    windows: dict[str, Window] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._recent: dict[str, deque[float]] = {}
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    async def start(self) -> RateGate:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        self._session = aiohttp.ClientSession(auto_decompress=False)
        return self

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def reset(self) -> None:
        self.accepted.clear()
        self.refused.clear()
        self._recent.clear()

    @property
    def total_refused(self) -> int:
        return sum(self.refused.values())

    def admit(self, windows: list[Window], now: float) -> float | None:
        """Record a request at ``now`` under ``windows``; or, if one is full, how long
        until it has room (nothing recorded)."""
        for window in windows:
            recent = self._recent.setdefault(window.key, deque())
            while recent and recent[0] <= now - window.seconds:
                recent.popleft()
            if len(recent) >= window.count:
                self.refused[window.key] = self.refused.get(window.key, 0) + 1
                return recent[0] + window.seconds - now
        for window in windows:
            self._recent[window.key].append(now)
            self.accepted.setdefault(window.key, []).append(now)
            self.windows[window.key] = window
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        now = time.monotonic()
        body = await request.read()
        windows = CLASSIFIERS[self.platform](request.method, request.path, _params(request, body))
        retry_after = self.admit(windows, now) if windows else None
        if retry_after is not None:
            return _refusal(self.platform, retry_after)
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        async with self._session.request(
            request.method,
            self.upstream + request.rel_url.path_qs,
            headers=headers,
            data=body or None,
        ) as answer:
            payload = await answer.read()
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP}
            return web.Response(status=answer.status, body=payload, headers=kept)


_HOP = {"host", "content-length", "transfer-encoding", "connection", "content-encoding"}


def _params(request: web.Request, body: bytes) -> dict[str, Any]:
    """The request's parameters (JSON or form body, and the query) as far as the
    classifiers need them; a multipart body counts by its query only."""
    params: dict[str, Any] = dict(request.query)
    if not body:
        return params
    if request.content_type == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            return params
        if isinstance(data, dict):
            params.update(data)
    elif request.content_type == "application/x-www-form-urlencoded":
        for key, values in parse_qs(body.decode("utf-8", "replace")).items():
            params[key] = values[-1]
    elif request.content_type.startswith("multipart/"):
        for match in re.finditer(rb'name="(chat_id|channel)"\r\n\r\n([^\r]*)', body):
            params[match.group(1).decode()] = match.group(2).decode()
    return params
