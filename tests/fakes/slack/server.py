"""Fake Slack Web API (``/api/<method>``) on 127.0.0.1, port 0, with real response shapes.

Errors are ``{"ok": false, "error": "..."}`` with HTTP 200, except rate limits: HTTP 429 with
``Retry-After``. Messages (``chat.*`` and ``response_url``) are checked as Slack checks
them (:mod:`tests.fakes.slack.blocks`); :func:`message_text` reads one back as a member
would. :func:`signed` builds requests exactly as Slack signs them. Tests can queue
failures (:meth:`FakeSlack.fail`; status 0 drops the connection), hold a method until they
release it (:meth:`FakeSlack.hold`), and make ``response_url`` refuse (``response_status``).

``views.open`` checks the modal as Slack does (title and submit 24 characters, a submit
button when there is an input, ``private_metadata`` 3,000, input lengths 0-3,000) and the
``trigger_id``: the fake's triggers (``trigger.<time_ns>``, as :func:`block_actions`
makes them) expire after 3 seconds and can be exchanged once (``expired_trigger_id``,
``exchanged_trigger_id``). Opened views are in :attr:`FakeSlack.views`;
:func:`view_submission` builds what Slack posts when a member submits one. User groups
(role rewards) are in :mod:`tests.fakes.slack.usergroups`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tests.fakes import multipart
from tests.fakes.slack import blocks
from tests.fakes.slack.blocks import elements as elements
from tests.fakes.slack.blocks import message_text as message_text
from tests.fakes.slack.blocks import pings as pings
from tests.fakes.slack.usergroups import UserGroups
from tests.fakes.slack.views import file_type
from tests.fakes.slack.views import modal_problem as modal_problem

TEAM = "T0TOWN"
MESSAGE_METHODS = {"chat.postMessage", "chat.update", "chat.postEphemeral"}
BOT_USER = "U0BOT"
TRIGGER_LIFETIME = 3.0
_TRIGGER = re.compile(r"^trigger\.(\d+)$")


@dataclass
class FakeSlack(UserGroups):
    token: str = "xoxb-test-token-for-the-fake"
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failures: dict[str, list[tuple[int, str, float | None]]] = field(default_factory=dict)
    socket_url: str = ""
    response_status: list[int] = field(default_factory=list)
    """Statuses the ``response_url`` answers with before it accepts again (404 = used up)."""
    held: dict[str, asyncio.Event] = field(default_factory=dict)
    timed_calls: list[tuple[str, dict[str, Any], float]] = field(default_factory=list)
    """Every Web API call with its ``time.monotonic()``, to check waits such as Retry-After."""
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Files by id: ``filename``, declared ``length``, the ``data`` POSTed to the upload
    URL, and once completed ``channel``, ``title`` and ``blocks``/``initial_comment``."""
    views: list[dict[str, Any]] = field(default_factory=list)
    """Modals opened with ``views.open``, as Slack returns them (``id``, ``state``...)."""
    exchanged: set[str] = field(default_factory=set)
    posted: list[str] = field(default_factory=list)
    """The ``ts`` of every ``chat.postMessage``, in order (a press names its message)."""
    pins: dict[str, list[str]] = field(default_factory=dict)
    """Pinned messages (``ts``) by channel, in the order they were pinned."""
    cannot_pin: set[str] = field(default_factory=set)
    """Channels where ``pins.add`` is refused (``restricted_action``: a workspace that
    lets only admins pin)."""

    def __post_init__(self) -> None:
        self._changed = asyncio.Condition()
        self._ts = itertools.count(1)
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_post("/response/{hook}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        host, port = self.runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/api"
        self.base = f"http://{host}:{port}"
        self.response_url = f"http://{host}:{port}/response/hook"
        return self

    async def _response(self, request: web.Request) -> web.Response:
        """A ``response_url``: Slack shows the posted message to the user (ephemeral)."""
        if self.response_status:
            status = self.response_status.pop(0)
            async with self._changed:
                self.calls.append(("response_url refused", await request.json()))
                self._changed.notify_all()
            return web.Response(status=status, text="used_url")
        try:
            blocks.check(await request.json())
        except blocks.Invalid as error:
            async with self._changed:
                self.calls.append(("response_url refused", await request.json()))
                self._changed.notify_all()
            return web.Response(status=400, text=str(error))
        async with self._changed:
            self.calls.append(("response_url", await request.json()))
            self._changed.notify_all()
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        """The URL ``files.getUploadURLExternal`` hands out: the file's bytes, raw or as
        multipart/form-data; Slack answers ``OK - <size>``."""
        found = self.uploads.get(request.match_info["file_id"])
        if found is None or "data" in found:
            return web.Response(status=404, text="file_not_found")
        raw = await request.read()
        if request.content_type == "multipart/form-data":
            files = [
                part
                for part in multipart.parse(request.headers["Content-Type"], raw)
                if part.filename is not None
            ]
            if len(files) != 1:
                return web.Response(status=400, text="expected one file")
            raw = files[0].data
        if len(raw) != found["length"]:
            return web.Response(status=400, text="length does not match")
        async with self._changed:
            found["data"] = raw
            self.calls.append(("upload", {"file_id": request.match_info["file_id"]}))
            self._changed.notify_all()
        return web.Response(text=f"OK - {len(raw)}")

    def hold(self, method: str) -> asyncio.Event:
        """Calls of ``method`` are recorded, then wait until the returned event is set."""
        gate = self.held[method] = asyncio.Event()
        return gate

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def fail(self, method: str, status: int, error: str, retry_after: float | None = None) -> None:
        self.failures.setdefault(method, []).append((status, error, retry_after))

    def called(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 10.0,
        where: Callable[[dict[str, Any]], bool] = lambda params: True,
    ) -> list[dict[str, Any]]:
        """The calls of ``method`` matching ``where``, once there are at least ``count``."""

        def matching() -> list[dict[str, Any]]:
            return [params for params in self.called(method) if where(params)]

        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(matching()) >= count), timeout
            )
        return matching()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST":
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(dict(await request.post()))
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        async with self._changed:
            self.calls.append((method, params))
            self.timed_calls.append((method, params, time.monotonic()))
            self._changed.notify_all()
        gate = self.held.get(method)
        if gate is not None:
            await gate.wait()
        queued = self.failures.get(method)
        if queued:
            status, error, retry_after = queued.pop(0)
            if status == 0:  # the connection drops without an answer
                assert request.transport is not None
                request.transport.close()
                return web.Response()
            headers = {"Retry-After": str(int(retry_after))} if retry_after is not None else {}
            return web.json_response({"ok": False, "error": error}, status=status, headers=headers)
        if method != "apps.connections.open" and token != self.token:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        if method in MESSAGE_METHODS or (
            method == "files.completeUploadExternal" and params.get("blocks")
        ):
            try:
                blocks.check(params)
            except blocks.Invalid as error:
                return web.json_response({"ok": False, "error": str(error)})
        result = handler(params)
        if isinstance(result, str):
            return web.json_response({"ok": False, "error": result})
        if result.get("ok") is False:  # an error with details (missing_scope's needed)
            return web.json_response(result)
        return web.json_response({"ok": True, **result})

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://town.example/",
            "team": "Town",
            "user": "townbot",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": "B0BOT",
        }

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = params["user"]
        return {"user": self.users.get(user_id) or user(user_id, f"User {user_id}")}

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        self.posted.append(self._next_ts())
        return {
            "channel": params["channel"],
            "ts": self.posted[-1],
            "message": {
                "text": params.get("text", ""),
                "blocks": blocks.blocks_of(params),
                "user": BOT_USER,
            },
        }

    def _pins_add(self, params: dict[str, Any]) -> dict[str, Any] | str:
        channel, ts = str(params.get("channel", "")), str(params.get("timestamp", ""))
        if not channel or not ts:
            return "invalid_arguments"
        if channel in self.cannot_pin:
            return "restricted_action"
        if ts not in self.posted:
            return "message_not_found"
        pins = self.pins.setdefault(channel, [])
        if ts in pins:
            return "already_pinned"
        pins.append(ts)
        return {}

    def _pins_remove(self, params: dict[str, Any]) -> dict[str, Any] | str:
        channel, ts = str(params.get("channel", "")), str(params.get("timestamp", ""))
        if not channel or not ts:
            return "invalid_arguments"
        if ts not in self.posted:
            return "message_not_found"
        pins = self.pins.setdefault(channel, [])
        if ts not in pins:
            return "no_pin"
        pins.remove(ts)
        return {}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": params["channel"], "ts": params["ts"], "text": params.get("text", "")}

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": params["channel"], "ts": params["ts"]}

    def _chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": self._next_ts()}

    def _files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any] | str:
        try:
            length = int(params.get("length", ""))
        except ValueError:
            return "invalid_arguments"
        if not params.get("filename") or length < 1:
            return "invalid_arguments"
        file_id = f"F{len(self.uploads) + 1:08d}"
        self.uploads[file_id] = {"filename": params["filename"], "length": length}
        return {"upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any] | str:
        files = json.loads(params.get("files") or "[]")
        if not files:
            return "invalid_arguments"
        completed = []
        for item in files:
            found = self.uploads.get(item.get("id"))
            if found is None or "data" not in found:
                return "file_not_found"
            if "channel" in found:
                return "file_uploads_already_completed"
            found.update(
                channel=params.get("channel_id"),
                title=item.get("title") or found["filename"],
                thread_ts=params.get("thread_ts"),
                initial_comment=params.get("initial_comment"),
                blocks=blocks.blocks_of(params),
                **file_type(found["filename"], found["data"]),
            )
            completed.append({"id": item["id"], "title": found["title"]})
        return {"files": completed}

    def shared_files(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Completed uploads (optionally in one channel), oldest first."""
        return [
            {"id": file_id, **found}
            for file_id, found in self.uploads.items()
            if "channel" in found and (channel is None or found["channel"] == channel)
        ]

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any] | str:
        trigger = str(params.get("trigger_id") or "")
        issued = _TRIGGER.match(trigger)
        if issued is None:
            return "invalid_trigger_id"
        if trigger in self.exchanged:
            return "exchanged_trigger_id"
        if time.time_ns() - int(issued.group(1)) > TRIGGER_LIFETIME * 1e9:
            return "expired_trigger_id"
        view = params.get("view")
        if isinstance(view, str):  # form-encoded calls send the view as a JSON string
            view = json.loads(view)
        problem = modal_problem(view)
        if problem is not None:
            return problem
        assert isinstance(view, dict)  # modal_problem refuses anything else
        self.exchanged.add(trigger)
        opened = {
            **view,
            "id": f"V{len(self.views) + 1:08d}",
            "team_id": TEAM,
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{len(self.views) + 1}",
            "trigger_id": trigger,
        }
        self.views.append(opened)
        return {"view": {k: v for k, v in opened.items() if k != "trigger_id"}}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": {"id": "D0" + str(params["users"]).upper()}}

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.socket_url}


def user(user_id: str, name: str, *, admin: bool = False, owner: bool = False) -> dict[str, Any]:
    return {
        "id": user_id,
        "team_id": TEAM,
        "name": name.lower().replace(" ", "."),
        "real_name": name,
        "is_admin": admin,
        "is_owner": owner,
        "is_bot": False,
        "profile": {"display_name": name, "real_name": name},
    }


def signed(secret: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with a request body."""
    when = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{when}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": when, "X-Slack-Signature": f"v0={digest}"}


def event_body(event: dict[str, Any], event_id: str) -> bytes:
    return json.dumps(
        {
            "token": "unused",
            "team_id": TEAM,
            "api_app_id": "A0TOWN",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
        }
    ).encode()


def slack_escape(text: str) -> str:
    """How Slack encodes what a member typed in message and command text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def command_body(
    command: str,
    text: str,
    user_id: str,
    *,
    response_url: str,
    channel: str = "C0GENERAL",
    team: str = TEAM,
) -> bytes:
    """A slash command as Slack posts it; ``text`` is what the member typed."""
    return urlencode(
        {
            "token": "unused",
            "team_id": team,
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": slack_escape(text),
            "response_url": response_url,
            "trigger_id": f"trigger.{time.time_ns()}",
            "api_app_id": "A0TOWN",
        }
    ).encode()


def interaction_body(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def block_actions(
    value: str,
    user_id: str,
    *,
    response_url: str,
    channel: str = "C0GENERAL",
    ts: str = "1700000000.000100",
    team: str = TEAM,
) -> dict[str, Any]:
    """A press of ``value`` on the bot's message ``ts`` (:attr:`FakeSlack.posted`)."""
    return {
        "type": "block_actions",
        "team": {"id": team, "domain": "town"},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": team},
        "api_app_id": "A0TOWN",
        "token": "unused",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
        "trigger_id": f"trigger.{time.time_ns()}",
        "channel": {"id": channel, "name": "general"},
        "message": {
            "type": "message",
            "ts": ts,
            "text": "Lunch?",
            "user": BOT_USER,
        },
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": "ts_0_1",
                "block_id": "b1",
                "value": value,
                "text": {"type": "plain_text", "text": "Sushi"},
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def view_submission(view: dict[str, Any], user_id: str, text: str) -> dict[str, Any]:
    """What Slack posts when ``user_id`` submits the modal ``view`` (one of
    :attr:`FakeSlack.views`) with ``text`` typed in its (first) text input. Slack's client
    refuses to submit a value outside the input's length limits, so this fails the test."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        value = text if not values else ""
        low, high = element.get("min_length", 0), element.get("max_length", 3000)
        if not block.get("optional") or value:
            assert low <= len(value) <= high, f"Slack refuses {len(value)} characters"
        values[block["block_id"]] = {
            element["action_id"]: {"type": "plain_text_input", "value": value or None}
        }
    submitted = {k: v for k, v in view.items() if k != "trigger_id"}
    submitted["state"] = {"values": values}
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "town"},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM},
        "api_app_id": "A0TOWN",
        "token": "unused",
        "trigger_id": f"trigger.{time.time_ns()}",
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
    }
