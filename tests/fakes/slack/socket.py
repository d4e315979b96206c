"""Fake Socket Mode endpoint: the websocket ``apps.connections.open`` points the app at.

It greets with ``hello``, sends envelopes the test hands it, and records the app's acks.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from aiohttp import WSMsgType, web


class FakeSocketMode:
    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self._socket: web.WebSocketResponse | None = None
        self._connected = asyncio.Event()
        self._changed = asyncio.Condition()
        self._ids = itertools.count(1)
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> FakeSocketMode:
        app = web.Application()
        app.router.add_get("/link", self._connect)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        host, port = self.runner.addresses[0][:2]
        self.url = f"ws://{host}:{port}/link"
        return self

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self.runner is not None:
            await self.runner.cleanup()

    async def _connect(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {"host": "fake"},
                "connection_info": {"app_id": "A0TOWN"},
            }
        )
        self._connected.set()
        async for message in socket:
            if message.type is WSMsgType.TEXT:
                async with self._changed:
                    self.acks.append(json.loads(message.data))
                    self._changed.notify_all()
        return socket

    async def send(self, kind: str, payload: dict[str, Any]) -> str:
        """Deliver one envelope (``events_api``, ``slash_commands`` or ``interactive``)."""
        await asyncio.wait_for(self._connected.wait(), 10)
        assert self._socket is not None
        envelope_id = f"env-{next(self._ids)}"
        await self._socket.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return envelope_id

    async def acked(self, envelope_id: str) -> None:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(
                    lambda: any(a.get("envelope_id") == envelope_id for a in self.acks)
                ),
                10,
            )
