"""Answering Discord interactions from any process, through the interaction's token.

An interaction (a slash command, a button press, a submitted form) can be answered for 15
minutes through webhook endpoints that need only its id and token: the callback (the
first response, within 3 seconds of its creation), ``@original`` (the deferred "thinking"
message) and follow-ups. So everything an answer needs travels in the core's opaque
``interaction_id`` string (:class:`InteractionRef`, ``"<id>:<kind>:<token>"``) and from
there into the outbox row of every answer; whichever process claims the row delivers it,
and a private answer stays private whichever process that is.

What the process that received an interaction remembers about it
(:class:`PendingInteractions`) is only an optimisation and a way to order its own calls:
that the first response was sent (no callback attempt needed), that the "thinking"
placeholder is gone (no need to look), a lock so two answers of one process do not race.
Another process does without it and finds out from Discord:

* a first response is attempted only while the interaction is younger than
  :data:`FIRST_RESPONSE_WINDOW`; Discord answers 40060 when someone already responded,
  and the answer then becomes a follow-up; a follow-up refused while the interaction is
  younger than :data:`YOUNG` is retried (its receiver has not deferred it yet);
* a deferred command's placeholder is replaced (``PATCH @original``) only if
  ``GET @original`` still shows it loading (flag :data:`LOADING`); otherwise the answer
  is an ephemeral follow-up. A placeholder removed by one process while another answers
  in the same instant can lose that answer's first chunk; the window is one round trip,
  once, 30 s after the command.

:meth:`Responder.private` returns False when the token can no longer carry anything (15
minutes passed, the interaction was never acknowledged, the placeholder it would follow
was deleted); the transport then answers by direct message, never in the channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import aiohttp
import discord
from discord.http import Route
from discord.webhook.async_ import async_context

from townsquare.adapters.discord.errors import (
    ALREADY_ACKNOWLEDGED,
    EXPIRED_INTERACTION_CODES,
    UNKNOWN_MESSAGE,
    UNKNOWN_WEBHOOK,
)
from townsquare.core.errors import TransientDeliveryError

log = logging.getLogger(__name__)

INTERACTION_LIFETIME = 15 * 60.0
"""Seconds an interaction token carries answers."""
FIRST_RESPONSE_WINDOW = 3.0
"""Seconds after its creation during which an interaction takes a first response."""
YOUNG = 10.0
"""Seconds during which an interaction the token cannot answer yet is retried (its
receiving process may not have acknowledged it) before the answer takes another way."""
PENDING_INTERACTIONS = 4096

EPHEMERAL = 1 << 6
LOADING = 1 << 7
"""Message flag of a deferred response still "thinking"."""

CHANNEL_MESSAGE = 4
DEFERRED_CHANNEL_MESSAGE = 5
DEFERRED_UPDATE = 6
MODAL = 9

NETWORK_ERRORS = (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError)


class Kind(StrEnum):
    """How the receiving process acknowledged the interaction."""

    COMMAND = "c"
    """Deferred with an ephemeral "thinking" placeholder (type 5, flags 64)."""
    PRESS = "b"
    """A press or form submission deferred without a message (type 6)."""
    FORM_PRESS = "f"
    """A press that may open a form: left unacknowledged for the core's first answer."""


@dataclass(frozen=True, slots=True)
class InteractionRef:
    """What any process needs to answer an interaction."""

    id: int
    kind: Kind
    token: str

    def encode(self) -> str:
        return f"{self.id}:{self.kind.value}:{self.token}"

    @staticmethod
    def decode(value: str | None) -> InteractionRef | None:
        """The ref in an ``interaction_id``; None for anything else (a bare id written
        by an older version, another platform's id)."""
        if not value:
            return None
        parts = value.split(":", 2)
        if len(parts) != 3 or not parts[0].isdigit() or not parts[2]:
            return None
        try:
            kind = Kind(parts[1])
        except ValueError:
            return None
        return InteractionRef(int(parts[0]), kind, parts[2])

    @property
    def created_at(self) -> datetime:
        return discord.utils.snowflake_time(self.id)

    def age(self, now: datetime | None = None) -> float:
        return ((now or datetime.now(UTC)) - self.created_at).total_seconds()

    def expired(self) -> bool:
        return self.age() > INTERACTION_LIFETIME - 30


# -- what the receiving process remembers ------------------------------------------------------


@dataclass
class PendingInteraction:
    """An interaction this process received (see the module docstring: an optimisation)."""

    ref: InteractionRef
    created: float = field(default_factory=time.monotonic)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    responded: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once the interaction had its first response (from this process or another)."""
    placeholder_gone: bool = False
    """The "thinking" placeholder was replaced or removed (never true -> false again)."""

    def expired(self, now: float) -> bool:
        return now - self.created > INTERACTION_LIFETIME - 30


class PendingInteractions:
    """Bounded map of interaction id -> :class:`PendingInteraction` (oldest dropped first;
    tokens expire after 15 minutes anyway)."""

    def __init__(self, capacity: int = PENDING_INTERACTIONS) -> None:
        self.capacity = capacity
        self._items: OrderedDict[int, PendingInteraction] = OrderedDict()

    def add(self, ref: InteractionRef) -> PendingInteraction:
        pending = self._items[ref.id] = PendingInteraction(ref)
        self._items.move_to_end(ref.id)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)
        return pending

    def get(self, ref: InteractionRef) -> PendingInteraction | None:
        pending = self._items.get(ref.id)
        if pending is not None and pending.expired(time.monotonic()):
            del self._items[ref.id]
            return None
        return pending

    def __len__(self) -> int:
        return len(self._items)


# -- the webhook endpoints ----------------------------------------------------------------------


class Webhooks:
    """The interaction endpoints, by id and token (no bot token needed), through
    discord.py's webhook adapter (it waits out 429s Discord marks with ``Via`` and retries
    5xx); errors are :class:`discord.HTTPException` with Discord's ``code``."""

    def __init__(self, application_id: Callable[[], int | None]) -> None:
        self._application_id = application_id
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _app(self) -> int:
        application_id = self._application_id()
        if application_id is None:
            raise discord.ClientException("the application id is not known yet")
        return application_id

    async def _call(self, route: Route, **kwargs: Any) -> Any:
        return await async_context.get().request(route, self._open(), **kwargs)

    async def callback(self, ref: InteractionRef, kind: int, data: Mapping[str, Any]) -> None:
        route = Route(
            "POST",
            "/interactions/{webhook_id}/{webhook_token}/callback",
            webhook_id=ref.id,
            webhook_token=ref.token,
        )
        body: dict[str, Any] = {"type": kind}
        if data:
            body["data"] = dict(data)
        await self._call(route, payload=body)

    def _original(self, method: str, ref: InteractionRef) -> Route:
        return Route(
            method,
            "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
            webhook_id=self._app(),
            webhook_token=ref.token,
        )

    async def original(self, ref: InteractionRef) -> dict[str, Any] | None:
        """The original response, None when it was deleted."""
        try:
            found: dict[str, Any] = await self._call(self._original("GET", ref))
        except discord.NotFound as error:
            if error.code == UNKNOWN_MESSAGE:
                return None
            raise
        return found

    async def edit_original(self, ref: InteractionRef, body: Mapping[str, Any]) -> None:
        await self._call(self._original("PATCH", ref), payload=dict(body))

    async def delete_original(self, ref: InteractionRef) -> None:
        await self._call(self._original("DELETE", ref))

    async def followup(self, ref: InteractionRef, body: Mapping[str, Any]) -> None:
        route = Route(
            "POST",
            "/webhooks/{webhook_id}/{webhook_token}",
            webhook_id=self._app(),
            webhook_token=ref.token,
        )
        await self._call(route, payload=dict(body), params={"wait": "true"})


# -- answering ------------------------------------------------------------------------------------


def _private_body(content: str, mentions: Mapping[str, Any]) -> dict[str, Any]:
    return {"content": content, "flags": EPHEMERAL, "allowed_mentions": dict(mentions)}


class Responder:
    """Acknowledges interactions and delivers private answers, placeholders and forms."""

    def __init__(self, bot: str, webhooks: Webhooks) -> None:
        self.bot = bot
        self.webhooks = webhooks
        self.pending = PendingInteractions()

    # the receiving process ----------------------------------------------------------------

    async def acknowledge(self, ref: InteractionRef) -> bool:
        """Defer ``ref`` unless it already had a first response; True if this call did."""
        received = self.pending.get(ref)
        if received is None and ref.age() >= FIRST_RESPONSE_WINDOW:
            return False  # another process's interaction, answered or beyond saving
        pending = received or self.pending.add(ref)
        async with pending.lock:
            if pending.responded.is_set():
                return False
            if ref.kind is Kind.COMMAND:
                kind, data = DEFERRED_CHANNEL_MESSAGE, {"flags": EPHEMERAL}
            else:
                kind, data = DEFERRED_UPDATE, {}
            try:
                await self.webhooks.callback(ref, kind, data)
            except NETWORK_ERRORS as error:
                if getattr(error, "code", None) == ALREADY_ACKNOWLEDGED:
                    log.debug("bot %s: interaction %s was answered elsewhere", self.bot, ref.id)
                else:
                    log.warning(
                        "bot %s: could not acknowledge interaction %s in time (%s)",
                        self.bot,
                        ref.id,
                        error,
                    )
                return False
            finally:
                pending.responded.set()
            return True

    async def refuse(self, ref: InteractionRef, content: str) -> None:
        """An ephemeral first response that is all the interaction gets (a stale menu
        entry, a bot restarting); nothing if it already had one."""
        pending = self.pending.get(ref)
        if pending is not None and pending.responded.is_set():
            await self.private(ref, [content], {"parse": []})
            return
        with contextlib.suppress(*NETWORK_ERRORS):
            await self.webhooks.callback(
                ref, CHANNEL_MESSAGE, _private_body(content, {"parse": []})
            )
        if pending is not None:
            pending.responded.set()

    # any process --------------------------------------------------------------------------

    async def _settled(self, ref: InteractionRef) -> PendingInteraction | None:
        """This process's memory of ``ref``, once its own acknowledgement (if it is about
        to send one) went out, so its answers never overtake it."""
        pending = self.pending.get(ref)
        if pending is not None and ref.kind is not Kind.FORM_PRESS:
            remaining = FIRST_RESPONSE_WINDOW - ref.age()
            if remaining > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(pending.responded.wait(), remaining)
        return pending

    async def _first(
        self, ref: InteractionRef, pending: PendingInteraction | None, kind: int, data: Any
    ) -> bool:
        """Try ``data`` as the first response; False if the interaction already had one
        (or is too old to take one)."""
        if pending is not None and pending.responded.is_set():
            return False
        if pending is None and ref.age() >= FIRST_RESPONSE_WINDOW:
            return False  # received elsewhere and too old: Discord would refuse it
        try:
            await self.webhooks.callback(ref, kind, data)
        except discord.HTTPException as error:
            if error.code == ALREADY_ACKNOWLEDGED or error.code in EXPIRED_INTERACTION_CODES:
                if pending is not None:
                    pending.responded.set()
                return False
            raise
        if pending is not None:
            pending.responded.set()
            pending.placeholder_gone = True
        return True

    async def _replace_placeholder(
        self, ref: InteractionRef, pending: PendingInteraction | None, body: dict[str, Any]
    ) -> bool:
        """``body`` in place of a deferred command's "thinking" message, if it is there."""
        if ref.kind is not Kind.COMMAND or (pending is not None and pending.placeholder_gone):
            return False
        original = await self.webhooks.original(ref)
        if pending is not None:
            pending.placeholder_gone = True
        if original is None or not int(original.get("flags") or 0) & LOADING:
            return False
        try:
            await self.webhooks.edit_original(ref, body)
        except discord.NotFound as error:
            if error.code == UNKNOWN_MESSAGE:  # removed in the meantime
                return False
            raise
        return True

    async def private(
        self, ref: InteractionRef, chunks: list[str], mentions: Mapping[str, Any]
    ) -> bool:
        """Each chunk to whoever interacted, privately: the first response if none was
        sent yet, else in place of the placeholder, else an ephemeral follow-up. False if
        the token can no longer carry it (nothing was sent then)."""
        if ref.expired():
            return False
        pending = await self._settled(ref)
        lock = pending.lock if pending is not None else asyncio.Lock()
        async with lock:
            for index, chunk in enumerate(chunks):
                body = _private_body(chunk, mentions)
                try:
                    if index == 0 and await self._first(ref, pending, CHANNEL_MESSAGE, body):
                        continue
                    if index == 0 and await self._replace_placeholder(ref, pending, body):
                        continue
                    await self.webhooks.followup(ref, body)
                except discord.HTTPException as error:
                    if index == 0 and (
                        error.code in EXPIRED_INTERACTION_CODES or error.code == UNKNOWN_MESSAGE
                    ):
                        if error.code == UNKNOWN_WEBHOOK and ref.age() < YOUNG:
                            # The receiving process has not acknowledged it yet.
                            raise TransientDeliveryError(
                                f"interaction {ref.id} is not acknowledged yet",
                                retry_after=0.5,
                            ) from error
                        return False
                    raise
        return True

    async def form(self, ref: InteractionRef, modal: Mapping[str, Any]) -> bool:
        """Open ``modal`` as the first response; False once that is impossible (the
        press was acknowledged, or is older than 3 seconds)."""
        pending = self.pending.get(ref)
        lock = pending.lock if pending is not None else asyncio.Lock()
        async with lock:
            try:
                return await self._first(ref, pending, MODAL, modal)
            except NETWORK_ERRORS as error:
                log.warning(
                    "bot %s: the form for interaction %s did not open (%s); the member gets "
                    "the typed command instead",
                    self.bot,
                    ref.id,
                    error,
                )
                return False

    async def remove_placeholder(self, ref: InteractionRef) -> None:
        """Delete a deferred command's "thinking" message if it is still there (the
        command was answered publicly, or not at all). Failures only log: tidying up."""
        if ref.kind is not Kind.COMMAND or ref.expired():
            return
        pending = self.pending.get(ref)
        lock = pending.lock if pending is not None else asyncio.Lock()
        async with lock:
            if pending is not None and pending.placeholder_gone:
                return
            try:
                original = await self.webhooks.original(ref)
                if original is not None and int(original.get("flags") or 0) & LOADING:
                    await self.webhooks.delete_original(ref)
            except NETWORK_ERRORS as error:
                log.debug("bot %s: placeholder clean-up failed: %s", self.bot, error)
            if pending is not None:
                pending.placeholder_gone = True
