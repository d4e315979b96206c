"""Fake GitHub REST API on 127.0.0.1, port 0, and GitHub's side of the webhook.

What townsquare uses, in GitHub's shapes (``docs.github.com/rest``):

* ``GET /repos/{owner}/{repo}``: the repository (the token check);
* ``POST /repos/{owner}/{repo}/issues``: opens an issue (``title`` required, ``body``,
  ``labels``), answering 201 with the issue (``number``, ``html_url``, ``state``...);
* ``GET /repos/{owner}/{repo}/issues?state=all&sort=created&direction=desc&per_page=N``:
  the newest issues first;
* ``PATCH /repos/{owner}/{repo}/issues/{number}`` with ``state`` and ``state_reason``:
  closes or reopens one (what a maintainer does on github.com).

It checks what GitHub checks: ``Authorization: Bearer <token>`` (or ``token <token>``) is
the fake's token, else 401 ``Bad credentials``; an unknown repository is 404 ``Not Found``;
a missing title is 422; a request without ``User-Agent`` is 403 (GitHub refuses those too).
Failures can be queued per route (:meth:`FakeGithub.fail`): a 5xx, a secondary rate limit
(403 with ``Retry-After`` and GitHub's message) or a primary one
(``x-ratelimit-remaining: 0``); :attr:`FakeGithub.fail_after_create` opens the issue and
then answers 502, as a GitHub behind a flaky proxy may, and
:attr:`FakeGithub.hang_after_create` opens it and never answers (the caller is killed
meanwhile). :meth:`FakeGithub.deliver` sends a webhook delivery, signed with
``X-Hub-Signature-256`` (or deliberately not), to our endpoint.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

TOKEN = "ghp_" + "F4KEt0kenForTheLoopbackGithub0000000"
SECRET = "webhook-secret-for-the-fake-github"
SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)


@dataclass
class Call:
    method: str
    path: str
    body: Any
    status: int


@dataclass(frozen=True)
class Failure:
    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeGithub:
    repo: str = "acme/app"
    token: str = TOKEN
    login: str = "townsquare-bot"
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    failures: dict[tuple[str, str], list[Failure]] = field(default_factory=dict)
    """(method, route) -> errors answered, in order, before the real answer; a route is
    ``repo``, ``issues`` or ``issue``."""
    fail_after_create: int = 0
    """This many issue creations are carried out and then answered 502 all the same."""
    hang_after_create: bool = False
    """Issue creations are carried out and then never answered (until the fake closes):
    the caller may be killed meanwhile."""

    def __post_init__(self) -> None:
        self._changed = asyncio.Condition()
        self._numbers = itertools.count(1)
        self._closing = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> FakeGithub:
        app = web.Application()
        app.router.add_route("*", "/repos/{owner}/{name}", self._repository)
        app.router.add_route("*", "/repos/{owner}/{name}/issues", self._issues)
        app.router.add_route("*", "/repos/{owner}/{name}/issues/{number}", self._issue)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        host, port = self.runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def close(self) -> None:
        self._closing.set()
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    async def __aenter__(self) -> FakeGithub:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- what tests set up and look at --------------------------------------------------

    def fail(
        self,
        method: str,
        route: str,
        status: int,
        message: str = "Server Error",
        *,
        times: int = 1,
        retry_after: float | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        extra = dict(headers or {})
        if retry_after is not None:
            extra["Retry-After"] = f"{retry_after:g}"
        queued = self.failures.setdefault((method.upper(), route), [])
        queued.extend(Failure(status, message, extra) for _ in range(times))

    def fail_secondary(self, method: str, route: str, *, retry_after: float = 1) -> None:
        """A secondary rate limit as GitHub answers it: 403, ``Retry-After``, its message."""
        self.fail(method, route, 403, SECONDARY, retry_after=retry_after)

    def called(self, method: str, route_end: str = "") -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.endswith(route_end)]

    async def wait_for_issues(self, count: int, timeout: float = 30) -> list[dict[str, Any]]:
        """Until at least ``count`` issues are open (or were), in number order."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.issues) >= count), timeout
            )
        return [self.issues[number] for number in sorted(self.issues)]

    def close_issue(self, number: int, reason: str = "completed") -> dict[str, Any]:
        """A maintainer closes the issue on github.com; the ``issues`` event's payload."""
        issue = self.issues[number]
        issue.update(
            state="closed",
            state_reason=reason,
            closed_at=_now(),
            updated_at=_now(),
        )
        return self.event_payload(number, "closed")

    def event_payload(self, number: int, action: str) -> dict[str, Any]:
        owner, name = self.repo.split("/")
        return {
            "action": action,
            "issue": dict(self.issues[number]),
            "repository": {
                "id": 1296269,
                "name": name,
                "full_name": self.repo,
                "owner": {"login": owner},
            },
            "sender": {"login": "maintainer", "id": 583231, "type": "User"},
        }

    async def deliver(
        self,
        url: str,
        payload: dict[str, Any],
        *,
        event: str = "issues",
        secret: str | None = SECRET,
        delivery: str | None = None,
        signature: str | None = None,
    ) -> tuple[int, str, str]:
        """POST one webhook delivery to ``url`` as GitHub does: JSON body, ``X-GitHub-Event``,
        ``X-GitHub-Delivery`` (a fresh GUID unless given: a redelivery repeats it),
        ``X-Hub-Signature-256`` from ``secret`` (None: no signature header; ``signature``:
        this exact header). Returns (status, body, delivery id)."""
        body = json.dumps(payload).encode()
        delivery = delivery or str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/044aadd",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery,
            "X-GitHub-Hook-ID": "292430182",
        }
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        elif secret is not None:
            headers["X-Hub-Signature-256"] = sign(secret, body)
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=body, headers=headers) as response,
        ):
            return response.status, await response.text(), delivery

    # -- the API ------------------------------------------------------------------------

    async def _record(self, request: web.Request, body: Any, response: web.Response) -> None:
        async with self._changed:
            self.calls.append(Call(request.method, request.path, body, response.status))
            self._changed.notify_all()

    async def _serve(self, request: web.Request, route: str) -> web.Response:
        body: Any = None
        if request.can_read_body:
            try:
                body = await request.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                response = _error(400, "Problems parsing JSON")
                await self._record(request, None, response)
                return response
        response = self._refusal(request, route) or await self._answer(request, route, body)
        await self._record(request, body, response)
        return response

    def _refusal(self, request: web.Request, route: str) -> web.Response | None:
        if not request.headers.get("User-Agent"):
            return _error(
                403,
                "Request forbidden by administrative rules. Please make sure "
                "your request has a User-Agent header",
            )
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() not in ("bearer", "token") or given != self.token:
            return _error(401, "Bad credentials")
        if f"{request.match_info['owner']}/{request.match_info['name']}" != self.repo:
            return _error(404, "Not Found")
        queued = self.failures.get((request.method, route))
        if queued:
            failure = queued.pop(0)
            return _error(failure.status, failure.message, failure.headers)
        return None

    async def _answer(self, request: web.Request, route: str, body: Any) -> web.Response:
        match (request.method, route):
            case ("GET", "repo"):
                return web.json_response(self._repo())
            case ("POST", "issues"):
                return await self._create(body)
            case ("GET", "issues"):
                return web.json_response(self._listed(request.query))
            case ("GET", "issue"):
                issue = self.issues.get(_number(request))
                return web.json_response(issue) if issue else _error(404, "Not Found")
            case ("PATCH", "issue"):
                return self._patch(_number(request), body)
        return _error(404, "Not Found")

    async def _repository(self, request: web.Request) -> web.Response:
        return await self._serve(request, "repo")

    async def _issues(self, request: web.Request) -> web.Response:
        return await self._serve(request, "issues")

    async def _issue(self, request: web.Request) -> web.Response:
        return await self._serve(request, "issue")

    def _repo(self) -> dict[str, Any]:
        owner, name = self.repo.split("/")
        return {
            "id": 1296269,
            "name": name,
            "full_name": self.repo,
            "owner": {"login": owner},
            "has_issues": True,
            "permissions": {"admin": False, "push": True, "pull": True},
        }

    async def _create(self, body: Any) -> web.Response:
        if not isinstance(body, dict) or not str(body.get("title") or "").strip():
            return _error(
                422,
                "Validation Failed",
                errors=[{"resource": "Issue", "code": "missing_field", "field": "title"}],
            )
        if len(str(body["title"])) > 256:
            return _error(422, "Validation Failed", errors=[{"code": "custom", "field": "title"}])
        number = next(self._numbers)
        issue = {
            "id": 1000 + number,
            "number": number,
            "title": str(body["title"]),
            "body": body.get("body"),
            "labels": [{"name": str(name)} for name in body.get("labels") or []],
            "state": "open",
            "state_reason": None,
            "user": {"login": self.login, "type": "Bot"},
            "html_url": f"https://github.com/{self.repo}/issues/{number}",
            "url": f"{self.url}/repos/{self.repo}/issues/{number}",
            "created_at": _now(),
            "updated_at": _now(),
            "closed_at": None,
        }
        async with self._changed:
            self.issues[number] = issue
            self._changed.notify_all()
        if self.fail_after_create > 0:
            self.fail_after_create -= 1
            return _error(502, "Server Error")
        if self.hang_after_create:
            await self._closing.wait()
            return _error(502, "Server Error")
        return web.json_response(issue, status=201)

    def _listed(self, query: Any) -> list[dict[str, Any]]:
        state = query.get("state", "open")
        found = [i for i in self.issues.values() if state == "all" or i["state"] == state]
        found.sort(key=lambda issue: issue["number"], reverse=query.get("direction") != "asc")
        per_page = min(int(query.get("per_page", 30)), 100)
        page = max(int(query.get("page", 1)), 1)
        return found[(page - 1) * per_page : page * per_page]

    def _patch(self, number: int, body: Any) -> web.Response:
        issue = self.issues.get(number)
        if issue is None:
            return _error(404, "Not Found")
        if isinstance(body, dict) and body.get("state") in ("open", "closed"):
            closed = body["state"] == "closed"
            issue.update(
                state=body["state"],
                state_reason=body.get("state_reason", "completed") if closed else "reopened",
                closed_at=_now() if closed else None,
            )
        return web.json_response(issue)


def sign(secret: str, body: bytes) -> str:
    """GitHub's ``X-Hub-Signature-256``: ``sha256=`` and the body's HMAC-SHA256 in hex."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _number(request: web.Request) -> int:
    text = request.match_info["number"]
    return int(text) if text.isdigit() else 0


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(
    status: int, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> web.Response:
    body = {
        "message": message,
        "documentation_url": "https://docs.github.com/rest",
        "status": str(status),
        **extra,
    }
    return web.json_response(body, status=status, headers=headers)
