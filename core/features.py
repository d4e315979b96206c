"""The features API: small classes that subscribe to events and commands and emit actions.

A feature declares what it handles with decorators and never talks to a platform::

    class Greeter(Feature):
        name = "greeter"

        @on(MemberJoined)
        async def greet(self, event: MemberJoined, ctx: Context) -> None:
            ctx.reply(compose("Welcome, {name}!", name=bold(event.member.display_name)))

        @command(CommandSpec("hello", "Say hello"))
        async def hello(self, invocation: Invocation, ctx: Context) -> None:
            ctx.respond("Hello!")

        @subcommand("hello", "again")                 # /hello again (a subcommand of the spec)
        async def again(self, invocation: Invocation, ctx: Context) -> None: ...

        @pressed(Wave)                               # a button whose payload is a Wave
        async def waved(self, wave: Wave, ctx: Context) -> None: ...

        @job("greeter.reminder")
        async def remind(self, event: JobDue, ctx: Context) -> None: ...

        @on(VoteCast)  # a fact another feature published (:mod:`core.facts`)
        async def voted(self, fact: VoteCast, ctx: Context) -> None: ...

Button payloads are typed (:mod:`core.buttons`), so no handler splits ``event.data``;
settings are typed per feature (:mod:`core.settings`, ``await ctx.settings(Model)``);
``ctx.tr`` is the community's language, read once per event by the dispatcher.

An id argument is declared with ``Param("id", ref=SOME_ID)`` and resolved by the feature's
``@resolves(SOME_ID)`` method; the framework keeps what it finds only within the caller's
community (:mod:`core.scope`), so no handler checks that itself.

Handlers run inside the batch transaction (``ctx.tx``); whatever they emit is stored in the
outbox together with their writes and delivered after commit, and whatever they publish
(``ctx.publish(fact)``) is stored with them too and handled after commit
(:mod:`core.facts.published`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from townsquare.core.buttons import Payload
from townsquare.core.commands import CommandSpec, Invocation, id_forms
from townsquare.core.context import BotInfo as BotInfo  # part of the features API
from townsquare.core.context import Context as Context  # part of the features API
from townsquare.core.context import community_translator as community_translator
from townsquare.core.events import Event
from townsquare.core.facts.fact import Fact
from townsquare.core.privacy import Retention, Subject
from townsquare.core.routing import pressed as pressed  # part of the features API
from townsquare.core.routing import router
from townsquare.core.routing import subcommand as subcommand  # part of the features API
from townsquare.core.scope import IdRef, Scope, Scoped, parse_id, shown_id
from townsquare.core.settings import FeatureSettings
from townsquare.core.store import Transaction

Handler = Callable[[Any, "Context"], Awaitable[None]]
F = TypeVar("F", bound=Callable[..., Awaitable[None]])
R = TypeVar("R", bound=Callable[..., Awaitable[Any]])
S = TypeVar("S", bound=FeatureSettings)


def on(*event_types: type[Event] | type[Fact]) -> Callable[[F], F]:
    """Subscribe the method to these event types, or fact types (``(fact, ctx)``)."""
    for kind in event_types:
        if not (isinstance(kind, type) and issubclass(kind, Event | Fact)):
            raise TypeError(f"@on takes event or fact types, not {kind!r}")

    def mark(method: F) -> F:
        method.__dict__.setdefault("_ts_events", []).extend(event_types)
        return method

    return mark


def command(spec: CommandSpec) -> Callable[[F], F]:
    """Handle ``/spec.name``: its own form, and every subcommand that has no
    :func:`subcommand` handler (a spec whose subcommands have handlers must give each one)."""

    def mark(method: F) -> F:
        method.__dict__["_ts_command"] = spec
        return method

    return mark


def resolves(ref: IdRef) -> Callable[[R], R]:
    """The method looks up a thing of kind ``ref`` by id: ``(id, ctx) -> thing | None``.

    A plain lookup is enough: the framework checks that what it returns belongs to the
    caller's community (:meth:`Feature.find`)."""

    def mark(method: R) -> R:
        method.__dict__["_ts_resolves"] = ref
        return method

    return mark


def job(kind: str) -> Callable[[F], F]:
    """Handle scheduled jobs of this kind when they fall due."""

    def mark(method: F) -> F:
        method.__dict__["_ts_job"] = kind
        return method

    return mark


class Feature:
    """Base class; subclasses set ``name`` and decorate handler methods."""

    name: ClassVar[str] = "feature"
    settings_models: ClassVar[tuple[type[FeatureSettings], ...]] = ()
    """The feature's settings models (:mod:`core.settings`), claimed at start."""

    def button_handlers(self) -> list[tuple[type[Payload], Handler]]:
        return [
            (method._ts_pressed, method)
            for method in self._methods()
            if hasattr(method, "_ts_pressed")
        ]

    def event_handlers(self) -> list[tuple[type[Event], Handler]]:
        return [
            (event_type, method)
            for method in self._methods()
            for event_type in getattr(method, "_ts_events", ())
            if issubclass(event_type, Event)
        ]

    def fact_handlers(self) -> list[tuple[type[Fact], Handler]]:
        return [
            (fact_type, method)
            for method in self._methods()
            for fact_type in getattr(method, "_ts_events", ())
            if issubclass(fact_type, Fact)
        ]

    def command_handlers(self) -> list[tuple[CommandSpec, Handler]]:
        """Each command with its handler, guarded: the ids it names are resolved in the
        caller's community first (:meth:`_guarded`)."""
        methods = self._methods()
        handlers = [
            (
                method._ts_command,
                self._guarded(router(self.name, method._ts_command, method, methods)),
            )
            for method in methods
            if hasattr(method, "_ts_command")
        ]
        routed = {spec.name for spec, _handler in handlers}
        for method in self._methods():
            for path in getattr(method, "_ts_subcommands", ()):
                if path[0] not in routed:
                    raise ValueError(f"{self.name}: @subcommand{path} names no @command of it")
        for spec, _handler in handlers:
            for path, param in id_forms(spec):
                if param.ref is not None and param.ref.kind not in self._resolvers():
                    raise ValueError(
                        f"{self.name}: /{' '.join(path)} <{param.name}> names a "
                        f"{param.ref.kind!r} but no @resolves({param.ref.kind!r}) method finds one"
                    )
        return handlers

    def _guarded(self, method: Handler) -> Handler:
        async def guarded(invocation: Invocation, ctx: Context) -> None:
            found: dict[str, object] = {}
            for param in invocation.spec.params:
                raw = invocation.args.get(param.name)
                if param.ref is None or raw is None:
                    continue
                thing = await self.find(param.ref, raw, ctx)
                if thing is None:
                    ctx.respond(ctx.tr(param.ref.unknown, id=shown_id(raw)))
                    return
                found[param.name] = thing
            if found:
                invocation = replace(invocation, found={**invocation.found, **found})
            await method(invocation, ctx)

        guarded.__name__ = getattr(method, "__name__", "command")
        return guarded

    async def find(self, ref: IdRef, raw: object, ctx: Context) -> Any | None:
        """The thing of kind ``ref`` with id ``raw`` (``12``, ``"#12"``) if the caller may
        name it: it exists, and belongs to the caller's community or
        :meth:`reaches` them. None otherwise, whichever the reason."""
        number = parse_id(raw)
        resolver = self._resolvers().get(ref.kind)
        if number is None or resolver is None:
            return None
        thing = await resolver(number, ctx)
        if thing is None or not await self.visible(ref, thing, ctx):
            return None
        return thing

    async def visible(self, ref: IdRef, thing: Scoped, ctx: Context) -> bool:
        """``thing`` (already found) may be acted on by the caller of ``ctx``."""
        return Scope.of(ctx.event).includes(thing) or await self.reaches(ref, thing, ctx)

    async def reaches(self, ref: IdRef, thing: Any, ctx: Context) -> bool:
        """Whether the caller may name ``thing`` from outside its community (a case
        from the managers' inbox on another platform). None may, unless a feature says."""
        return False

    def _resolvers(self) -> dict[str, Callable[[int, Context], Awaitable[Any]]]:
        cached = self.__dict__.get("_ts_resolvers")
        if cached is None:
            cached = self.__dict__["_ts_resolvers"] = {
                method._ts_resolves.kind: method
                for method in self._methods()
                if hasattr(method, "_ts_resolves")
            }
        return cached

    def job_handlers(self) -> list[tuple[str, Handler]]:
        return [
            (method._ts_job, method) for method in self._methods() if hasattr(method, "_ts_job")
        ]

    async def prepare(self, events: Sequence[Event], tx: Transaction) -> None:
        """Read ahead, once, what handling this chunk of events will need (one statement
        for the chunk instead of one per event). Optional; a failure is logged and the
        handlers then read what they need themselves."""
        return None

    async def finish(self, tx: Transaction) -> None:
        """Write what the chunk's handlers deferred, in few multi-row statements, before
        the transaction commits. Optional; a failure fails the batch (it is retried, and
        nothing of it is acknowledged), so a deferred write is never lost."""
        return None

    async def before_commit(self, tx: Transaction) -> None:
        """Write, once, what the whole batch's chunks deferred, just before its
        transaction commits (one statement per batch instead of one per chunk).
        Optional; a failure fails the batch, as :meth:`finish`'s does."""
        return None

    # -- privacy hooks (:mod:`core.privacy`) -------------------------------------------------

    async def erase_person(self, subject: Subject, tx: Transaction) -> None:
        """Forget ``subject`` in this feature's tables (``/forgetme``), inside the
        confirmation's transaction: delete what is theirs, keep counts without the person,
        keep moderation records under ``subject.pseudonym``. Nothing by default."""
        return None

    async def export_person(self, subject: Subject, tx: Transaction) -> dict[str, Any]:
        """Everything this feature stores about ``subject`` as JSON-ready values, by
        table (``townsquare privacy export``). Nothing by default."""
        return {}

    async def expire_data(self, retention: Retention, now: datetime, tx: Transaction) -> None:
        """Forget what is older than the configured retention of this feature's kinds
        of data (a daily job). Nothing by default."""
        return None

    def attached(self, features: Sequence[Feature]) -> None:
        """Called once by the dispatcher with every running feature (the privacy
        feature calls their hooks). Nothing by default."""
        return None

    def _methods(self) -> list[Any]:
        return [
            getattr(self, attribute)
            for attribute in dir(type(self))
            if not attribute.startswith("__") and callable(getattr(type(self), attribute, None))
        ]
