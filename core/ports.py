"""The small interfaces the core needs from the outside world; ``bots`` wires them up.

An adapter turns platform traffic into :mod:`core.events` and performs
:mod:`core.actions`. It holds no business rules: everything it decides is how to speak its
platform's protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from townsquare.core.actions import Action
from townsquare.core.capabilities import Capability, RateLimits
from townsquare.core.commands import CommandSpec
from townsquare.core.events import Event
from townsquare.core.refs import MessageRef


class EventSink(Protocol):
    """Where an adapter hands inbound events.

    The returned awaitable completes once the event is committed (processed, de-duplicated
    and its outbound messages stored), so a transport may acknowledge only then.
    """

    async def __call__(self, event: Event) -> None: ...


@dataclass(frozen=True, slots=True)
class Delivered:
    """What a performed action produced: the platform messages it created, in order.

    A long text split into several messages yields several refs; the last one carries the
    buttons and is the one remembered for later edits."""

    messages: tuple[MessageRef, ...] = ()


@dataclass(frozen=True, slots=True)
class GatewaySession:
    """Where a gateway connection left off, so the next process can resume it and be sent
    what happened meanwhile (Discord's ``session_id``, ``resume_gateway_url`` and the
    sequence number of the last dispatch that is stored)."""

    session_id: str
    resume_url: str
    sequence: int


class GatewaySessions(Protocol):
    """Durable gateway sessions per (bot, shard); the runtime backs it with the database."""

    async def load(self, bot: str, shard: int) -> GatewaySession | None: ...

    async def save(self, bot: str, shard: int, session: GatewaySession) -> None: ...

    async def forget(self, bot: str, shard: int) -> None: ...


@dataclass(frozen=True, slots=True)
class AdapterDeps:
    """What the runtime gives every adapter at construction."""

    commands: Sequence[CommandSpec] = ()
    """Top-level commands of the enabled features (Discord slash commands, Slack manifest)."""
    managers: frozenset[str] = field(default_factory=frozenset)
    sessions: GatewaySessions | None = None
    """Where gateway adapters keep their sessions across processes (None: not kept)."""


@runtime_checkable
class Adapter(Protocol):
    platform: str
    bot: str
    capabilities: frozenset[Capability]
    limits: RateLimits

    async def start(self, sink: EventSink) -> None:
        """Connect and begin delivering events to ``sink``; return once receiving.

        A bad token or unreachable platform raises with a message an operator can act on."""
        ...

    async def stop(self) -> None:
        """Stop taking new updates; ``perform`` keeps working so the outbox can drain."""
        ...

    async def close(self) -> None:
        """Release connections; called after the outbox drained."""
        ...

    async def perform(self, action: Action) -> Delivered:
        """Execute one action. Keys are already resolved: edits and deletes carry
        ``message``. Raise :mod:`core.errors` types on failure."""
        ...
