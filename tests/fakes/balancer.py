"""A round-robin HTTP load balancer on 127.0.0.1, port 0, in front of several processes.

It behaves like a plain nginx ``upstream`` block: each request goes to the next upstream in
turn; an upstream that refuses the connection (a killed process, one not listening yet) is
skipped and the next one is tried, as ``proxy_next_upstream error`` does; an upstream that
fails once the request was sent is not retried (POST is not idempotent) and the client gets
502, so the sender (Telegram, Slack) redelivers the request later, as it would in production.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class Balancer:
    upstreams: list[str]
    """Base URLs (``http://127.0.0.1:PORT``) the requests are spread over, in turn."""
    served: Counter[str] = field(default_factory=Counter)
    """Answers per upstream (any status)."""
    failed: int = 0
    """Requests answered 502: every upstream refused, or the chosen one died mid-request."""

    def __post_init__(self) -> None:
        self._turn = itertools.count()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    async def start(self) -> Balancer:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        # No keep-alive: a request must never ride a connection to a process that died.
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=True),
            timeout=aiohttp.ClientTimeout(total=30),
        )
        return self

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        start = next(self._turn)
        for step in range(len(self.upstreams)):
            upstream = self.upstreams[(start + step) % len(self.upstreams)]
            try:
                async with self._session.request(
                    request.method, upstream + request.path_qs, data=body, headers=headers
                ) as answer:
                    payload = await answer.read()
                    self.served[upstream] += 1
                    kept = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP}
                    return web.Response(status=answer.status, body=payload, headers=kept)
            except aiohttp.ClientConnectorError:
                continue  # refused before anything was sent: the next upstream may take it
            except (aiohttp.ClientError, TimeoutError):
                break  # sent, then lost: not retried here, the sender redelivers
        self.failed += 1
        return web.Response(status=502, text="Bad Gateway")
