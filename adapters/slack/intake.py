"""Slack requests -> stored events, acknowledged only once stored.

Every kind of request (Events API callbacks, slash commands, button presses, shortcuts,
form submissions; over HTTP or as Socket Mode envelopes) goes through Bolt with
``process_before_response=True``: the listener maps the payload, hands its events to the
core's sink and only then acknowledges, so a 200 (or a Socket Mode ack) always means
"committed". An early ``ack()`` would confirm updates a crash could still lose, and Slack
never redelivers what it got a 200 for.

Slack waits 3 seconds. When storing has not finished after :data:`ACK_SECONDS` (the
database is slow or away), or the sink raised, the request is answered 503 without
``X-Slack-No-Retry`` (a Socket Mode envelope is left unacknowledged), and Slack sends it
again: at once, after a minute, after five minutes. The handover is not cancelled (a
cancelled statement can leave SQLite's write lock held); when it commits after all, the
redelivery meets the de-duplication record of its ``event_id`` (Slack keeps the id on
retries, ``X-Slack-Retry-Num`` or not) and is answered 200 without effect. Slash commands
and interactions are not retried by Slack: the member sees Slack's error and can try
again, which is better than a confirmation of something that may be lost.

A payload the mapper cannot read becomes an :class:`~core.events.UpdateRejected`, logged
once with its kind and stored like any event (so it is acknowledged, and kept for an
operator). A request no listener takes (a view of another app, ``view_closed``,
``app_rate_limited``...) is answered 200 and ignored; an ``event_callback`` among them is
stored as rejected. A correctly signed request whose body is empty or malformed is
answered 400 with ``X-Slack-No-Retry: 1`` and logged once: sending it again cannot help.
A bad or stale signature is 401, as Bolt answers it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from townsquare.adapters.slack.inbound import SlackMapper, update_kind
from townsquare.core.events import Event, UpdateRejected
from townsquare.core.ports import EventSink
from townsquare.core.refs import Actor

log = logging.getLogger(__name__)

ACK_SECONDS = 2.5
"""How long a request waits for its events to be committed before it asks Slack to
redeliver instead (Slack gives up on an answer after 3 seconds)."""
Lookup = Callable[[str], Awaitable[Actor]]
Users = Callable[[str], Actor]
Produce = Callable[[SlackMapper, Users], list[Event]]


class NotStored(Exception):
    """The sink did not commit an update in time, or raised: do not acknowledge it."""


class Intake:
    """The listeners Bolt dispatches to, and the HTTP endpoint in front of Bolt."""

    def __init__(self, bot: str, app: AsyncApp, lookup: Lookup, signing_secret: str | None):
        self.bot = bot
        self.app = app
        self.lookup = lookup
        self.secret = signing_secret or ""
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self.mapper: SlackMapper | None = None
        self.sink: EventSink | None = None
        self.ack_seconds = ACK_SECONDS
        self.pending: set[asyncio.Task[None]] = set()
        """Handovers still running, including those whose request was answered 503."""

    # -- HTTP -----------------------------------------------------------------------------

    async def http(self, request: web.Request) -> web.Response:
        """``POST /slack/events``: signature, then a body Bolt can read, then Bolt."""
        raw = await request.read()
        if not self._signed(raw, request):
            return web.json_response({"error": "invalid request"}, status=401)
        problem = None
        try:
            bolt_request = AsyncBoltRequest(
                body=raw.decode("utf-8"),
                query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]
            )
        except (ValueError, AttributeError, TypeError) as error:  # UnicodeError is one
            problem = f"{type(error).__name__}: {error}"
        else:
            if not isinstance(bolt_request.body, dict) or not bolt_request.body:
                problem = "no fields" if raw.strip() else "empty body"
        if problem is not None:
            log.warning(
                "bot %s: refused a signed request with a malformed body (%s, %d bytes)",
                self.bot,
                problem[:200],
                len(raw),
            )
            return web.json_response(
                {"error": "malformed body"}, status=400, headers={"X-Slack-No-Retry": "1"}
            )
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    def _signed(self, raw: bytes, request: web.Request) -> bool:
        """Slack's signature over the raw body and a fresh timestamp (slack_sdk's check;
        it reads bodies as UTF-8 only, so other bytes are checked here the same way)."""
        if self.verifier is None:
            return True
        headers = {key.lower(): value for key, value in request.headers.items()}
        try:
            return self.verifier.is_valid_request(raw, headers)
        except UnicodeDecodeError:
            timestamp = headers.get("x-slack-request-timestamp", "")
            if not timestamp.isdigit():
                return False
            base = f"v0:{timestamp}:".encode() + raw
            digest = hmac.new(self.secret.encode(), base, hashlib.sha256).hexdigest()
            fresh = abs(time.time() - int(timestamp)) <= 60 * 5
            return fresh and hmac.compare_digest(
                f"v0={digest}", headers.get("x-slack-signature", "")
            )

    # -- storing --------------------------------------------------------------------------

    async def store(self, body: dict[str, Any], user_ids: list[Any], produce: Produce) -> None:
        """Map ``body`` and commit its events within :attr:`ack_seconds`, else raise
        :class:`NotStored`. The handover goes on in the background after a timeout."""
        task = asyncio.ensure_future(self._hand_over(body, user_ids, produce))
        self.pending.add(task)
        task.add_done_callback(self._finished)
        try:
            await asyncio.wait_for(asyncio.shield(task), self.ack_seconds)
        except TimeoutError:
            log.warning(
                "bot %s: %s not stored within %.1f s; Slack will send it again",
                self.bot,
                update_kind(body),
                self.ack_seconds,
            )
            raise NotStored from None
        except Exception as error:
            log.warning(
                "bot %s: %s not stored (%s: %s); Slack will send it again",
                self.bot,
                update_kind(body),
                type(error).__name__,
                error,
            )
            raise NotStored from error

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.pending.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: a late failure was logged or is redelivered

    async def _hand_over(self, body: dict[str, Any], user_ids: list[Any], produce: Produce) -> None:
        mapper, sink = self.mapper, self.sink
        if mapper is None or sink is None:
            raise RuntimeError("the adapter is not running")
        known = {uid: await self.lookup(uid) for uid in user_ids if isinstance(uid, str) and uid}

        def users(uid: str) -> Actor:
            return known.get(uid) or Actor(user_id=uid, display_name=uid)

        try:
            events = produce(mapper, users)
        except Exception as error:  # any shape the mapper did not expect
            reason = f"{type(error).__name__}: {error}"[:300]
            log.warning(
                "bot %s: could not read a %s (%s); stored as rejected",
                self.bot,
                update_kind(body),
                reason,
            )
            events = [mapper.rejected(body, reason)]
        for event in events:
            await sink(event)

    async def drain(self, timeout: float) -> int:
        """Wait up to ``timeout`` for handovers still running; how many did not finish."""
        running = {task for task in self.pending if not task.done()}
        if not running:
            return 0
        _done, late = await asyncio.wait(running, timeout=timeout)
        return len(late)

    # -- listeners ------------------------------------------------------------------------

    def register(self, form_callback: str) -> None:
        everything = re.compile(".*")
        self.app.event(everything)(self._on_event)
        self.app.command(everything)(self._on_command)
        self.app.action(everything)(self._on_action)
        self.app.shortcut(everything)(self._on_shortcut)
        self.app.view(form_callback)(self._on_form)
        self.app.error(self._on_error)

    async def _answer(
        self, ack: AsyncAck | None, body: dict[str, Any], ids: list[Any], produce: Produce
    ) -> BoltResponse | None:
        """Store, then acknowledge; a 503 (no ack) when storing did not succeed."""
        try:
            await self.store(body, ids, produce)
        except NotStored:
            return BoltResponse(status=503, body="")
        if ack is not None:
            await ack()
        return None

    async def _on_event(self, body: dict[str, Any]) -> BoltResponse | None:
        event = body.get("event") or {}
        inner = event.get("message")
        message: dict[str, Any] = inner if isinstance(inner, dict) else {}
        ids = [event.get("user"), event.get("inviter"), message.get("user"), event.get("item_user")]
        return await self._answer(None, body, ids, lambda m, users: m.event(body, users))

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any]) -> BoltResponse | None:
        return await self._answer(
            ack, body, [body.get("user_id")], lambda m, users: [m.command(body, users)]
        )

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any]) -> BoltResponse | None:
        user = body.get("user") or {}
        return await self._answer(
            ack, body, [user.get("id")], lambda m, users: m.action(body, users)
        )

    async def _on_shortcut(self, ack: AsyncAck, body: dict[str, Any]) -> BoltResponse | None:
        user, message = body.get("user") or {}, body.get("message") or {}

        def produce(mapper: SlackMapper, users: Users) -> list[Event]:
            command = mapper.shortcut(body, users)
            return [command] if command else []

        return await self._answer(ack, body, [user.get("id"), message.get("user")], produce)

    async def _on_form(self, ack: AsyncAck, body: dict[str, Any]) -> BoltResponse | None:
        """A submitted form: once stored, the empty acknowledgement closes the modal; the
        core answers privately afterwards. Not stored: the modal stays open with Slack's
        error, and the member can submit again."""
        user = body.get("user") or {}

        def produce(mapper: SlackMapper, users: Users) -> list[Event]:
            submitted = mapper.form_submitted(body, users)
            return [submitted] if submitted else []

        return await self._answer(ack, body, [user.get("id")], produce)

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> BoltResponse:
        """Requests no listener takes, and anything a listener did not expect."""
        if not isinstance(error, BoltUnhandledRequestError):
            log.error(
                "bot %s: handling a %s failed: %s: %s",
                self.bot,
                update_kind(body),
                type(error).__name__,
                error,
            )
            return BoltResponse(status=500, body="")
        if body.get("type") != "event_callback":
            log.info("bot %s: ignored a %s request", self.bot, update_kind(body))
            return BoltResponse(status=200, body="")

        def produce(mapper: SlackMapper, users: Users) -> list[Event]:
            reason = "an event_callback without a readable event"
            log.warning("bot %s: %s: %s; stored as rejected", self.bot, update_kind(body), reason)
            rejected: UpdateRejected = mapper.rejected(body, reason)
            return [rejected]

        response = await self._answer(None, body, [], produce)
        return response or BoltResponse(status=200, body="")
