"""A running runtime with its web side, for the dashboard's tests: one aiogram bot on the
fake Bot API serving two Telegram groups (Town Square, whose admin is Olga, and Other
Place, whose admin is Boris), cases going to a managers' chat, and a browser-like HTTP
client per person (:class:`Browser`: a cookie jar, the CSRF token read from the page)."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.fakes.bots import config, telegram_bot
from tests.fakes.telegram import payloads as p
from tests.fakes.telegram.server import FakeBotApi
from townsquare.bots.runtime import Runtime
from townsquare.web.app import start_web, stop_web

OTHER = {"id": -1009876543210, "title": "Other Place", "type": "supergroup", "is_forum": False}
MANAGERS_CHAT = -1005550000
OLGA = p.ADMIN
MALLORY = {"id": 3001, "is_bot": False, "first_name": "Mallory"}
BORIS = {"id": 3000, "is_bot": False, "first_name": "Boris", "username": "boris"}
EVE = {"id": 1002, "is_bot": False, "first_name": '<img src=x onerror="alert(1)"> Eve'}
HOSTILE_TEXT = "<script>alert('owned')</script> <b>bold?</b> @everyone"
LINK = re.compile(r"https?://[^\s\"<>]+/login/[A-Za-z0-9_-]+")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NONCE = re.compile(r'name="nonce" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


_ids = iter(range(700, 100_000))


def command(text: str, user: dict[str, Any], chat: dict[str, Any] = p.GROUP, **extra: Any) -> Any:
    head = text.split(maxsplit=1)[0]
    entities = [{"type": "bot_command", "offset": 0, "length": len(head)}]
    return p.message(text, user, next(_ids), chat=chat, entities=entities, **extra)


@dataclass
class Site:
    api: FakeBotApi
    runtime: Runtime
    base: str

    async def say(self, text: str, user: dict[str, Any], chat: dict[str, Any] = p.GROUP) -> Any:
        update = p.message(text, user, next(_ids), chat=chat)
        await self.api.push(update)
        return update["message"]

    async def report(self, offending: Any, reporter: dict[str, Any], chat: Any = p.GROUP) -> None:
        """``reporter`` replies ``/report`` to ``offending``; returns once the case card
        reached the managers' chat."""
        before = len(self.sent(MANAGERS_CHAT))
        await self.api.push(command("/report rude", reporter, chat, reply_to_message=offending))
        await self.wait(lambda: len(self.sent(MANAGERS_CHAT)) > before)

    def sent(self, chat: int) -> list[dict[str, Any]]:
        return [
            call.params
            for call in self.api.calls
            if call.method == "sendMessage" and int(call.params.get("chat_id", 0)) == chat
        ]

    def edits(self, chat: int) -> list[dict[str, Any]]:
        return [
            call.params
            for call in self.api.calls
            if call.method == "editMessageText" and int(call.params.get("chat_id", 0)) == chat
        ]

    async def wait(self, check: Any, timeout: float = 20) -> Any:
        import asyncio

        changed = self.api._changed

        async def wait() -> Any:
            async with changed:
                while not (value := check()):
                    await changed.wait()
                return value

        return await asyncio.wait_for(wait(), timeout)

    async def dashboard_link(self, user: dict[str, Any], chat: dict[str, Any] = p.GROUP) -> str:
        """``user`` sends ``/dashboard`` in ``chat``; the link the bot sent them privately."""
        before = len(self.sent(int(user["id"])))
        await self.api.push(command("/dashboard", user, chat))
        sent = await self.wait(lambda: self.sent(int(user["id"]))[before:])
        found = set(LINK.findall(str(sent[0]["text"])))
        assert len(found) == 1, sent
        return str(found.pop())


@asynccontextmanager
async def site(url: str) -> AsyncIterator[Site]:
    api = await FakeBotApi().start()
    api.administrators[int(str(p.GROUP["id"]))] = [p.owner(OLGA)]
    api.administrators[int(str(OTHER["id"]))] = [p.owner(BORIS)]
    port = free_port()
    listen = f"127.0.0.1:{port}"
    settings = config(
        url,
        telegram_bot(api, "telegram"),
        defaults={"escalate_to": f"tg:{MANAGERS_CHAT}"},
        web={"listen": listen},
    )
    try:
        async with Runtime(settings) as runtime:
            runner = await start_web(runtime, listen)
            try:
                yield Site(api, runtime, f"http://{listen}")
            finally:
                await stop_web(runner)
    finally:
        await api.close()


@dataclass
class Browser:
    """An HTTP client with its own cookies, as one person's browser."""

    base: str
    http: aiohttp.ClientSession = field(init=False)
    csrf: str = ""

    def __post_init__(self) -> None:
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def close(self) -> None:
        await self.http.close()

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(self.url(path), allow_redirects=False) as response:
            body = await response.text()
            found = CSRF.search(body)
            if found and response.status == 200:
                self.csrf = found.group(1)
            return response.status, body

    async def post(self, path: str, data: dict[str, str], *, csrf: bool = True) -> tuple[int, str]:
        form = {**data, **({"csrf": self.csrf} if csrf else {})}
        async with self.http.post(self.url(path), data=form, allow_redirects=False) as response:
            return response.status, await response.text()

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base}{path}"

    async def log_in(self, link: str) -> None:
        status, body = await self.get(link)
        assert status == 200, body
        status, body = await self.post(link, {})
        assert status == 303, body
        status, body = await self.get("/inbox")
        assert status == 200, body


@asynccontextmanager
async def browser(base: str) -> AsyncIterator[Browser]:
    client = Browser(base)
    try:
        yield client
    finally:
        await client.close()


def nonce_of(page: str) -> str:
    found = NONCE.search(page)
    assert found, page
    return found.group(1)
