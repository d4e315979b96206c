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
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from townsquare.core.actions import (
    MAX_FORM_TEXT,
    Action,
    AnswerButton,
    AskText,
    ButtonRows,
    SendEphemeral,
    SendMessage,
)
from townsquare.core.buttons import Payload
from townsquare.core.capabilities import Capability
from townsquare.core.commands import CommandSpec, Invocation, id_forms
from townsquare.core.events import ButtonPressed, CommandIssued, Event, MessagePosted
from townsquare.core.facts.fact import Fact, encode
from townsquare.core.facts.published import MAX_DEPTH, FactChainTooLong, PublishedFact
from townsquare.core.i18n import DEFAULT_LANGUAGE, Translator
from townsquare.core.refs import CommunityRef
from townsquare.core.roles import Role
from townsquare.core.routing import pressed as pressed  # part of the features API
from townsquare.core.routing import router
from townsquare.core.routing import subcommand as subcommand  # part of the features API
from townsquare.core.scope import IdRef, Scope, Scoped, parse_id, shown_id
from townsquare.core.settings import FeatureSettings, language_of, model, read
from townsquare.core.spaces import Space, Spaces
from townsquare.core.store import Transaction
from townsquare.core.text import Text, TextLike, as_text

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

    def _methods(self) -> list[Any]:
        return [
            getattr(self, attribute)
            for attribute in dir(type(self))
            if not attribute.startswith("__") and callable(getattr(type(self), attribute, None))
        ]


@dataclass(frozen=True, slots=True)
class BotInfo:
    """What features may know about the bot that received the event."""

    name: str
    platform: str
    capabilities: frozenset[Capability]


async def community_translator(
    tx: Transaction, community: CommunityRef | None, default_locale: str
) -> Translator:
    """Translations in the community's language (``/lang``), else the configured default:
    the one reader of the language (:class:`core.settings.Language`)."""
    return language_of(await tx.settings(community) if community else {}, default_locale)


@dataclass
class Context:
    """Everything a handler needs for one event; collects the actions it emits."""

    event: Event
    tx: Transaction
    role: Role
    bot: BotInfo
    now: datetime
    commands: Sequence[CommandSpec] = ()
    bots: dict[str, BotInfo] = field(default_factory=dict)
    default_locale: str = DEFAULT_LANGUAGE
    escalate_to: str | None = None
    """``[defaults] escalate_to``: the managers' inbox as ``bot:channel_id``, if set."""
    managers: frozenset[str] = frozenset()
    """``[defaults] managers`` (``platform:user_id``), to resolve the role of someone other
    than the caller with :func:`core.roles.resolve_role` (the target of a ``/warn``)."""
    spaces: Spaces = field(default_factory=Spaces)
    """``[[spaces]]``: which communities are one community (:attr:`space`)."""
    actions: list[Action] = field(default_factory=list)
    fact_depth: int = 0
    """How deep in a chain of facts this handler runs: 0 for an event, the fact's depth
    for a fact handler (see :meth:`publish`)."""
    published: int = 0
    """How many facts this handler published."""
    heard: Callable[[type[Fact]], bool] = field(default=lambda _type: True, repr=False)
    """Whether any feature subscribes to a fact type: one nobody handles is not stored."""
    _translator: Translator | None = field(default=None, repr=False)

    async def locale(self) -> str:
        """The community's language: ``/lang`` setting, else ``[defaults] locale``."""
        return (await self.translator()).language

    async def translator(self) -> Translator:
        """Translations for this community (the dispatcher reads them once per event)."""
        if self._translator is None:
            self._translator = await community_translator(
                self.tx, self.event.community, self.default_locale
            )
        return self._translator

    @property
    def tr(self) -> Translator:
        """Translations in the event's community's language, read before the handler."""
        if self._translator is None:
            raise RuntimeError("the translator is not read yet: await ctx.translator()")
        return self._translator

    @property
    def space(self) -> Space | None:
        """The space of the event's community, if it is in one."""
        community = self.event.community
        return self.spaces.of(self.bot.name, community.id if community is not None else None)

    @property
    def shared_community(self) -> CommunityRef:
        """The community whose shared things (the FAQ, the rules, the managers' inbox)
        the event's community uses: its own, or in a space the first community the config
        lists for it, so the space has one of each."""
        return self.shared_of(self.community)

    def shared_of(self, community: CommunityRef) -> CommunityRef:
        """:attr:`shared_community` of any community a running bot serves."""
        return self.spaces.shared(
            community, {name: bot.platform for name, bot in self.bots.items()}
        )

    @property
    def community(self) -> CommunityRef:
        """The event's community, for handlers of commands that need one
        (:attr:`CommandSpec.needs_community`: the dispatcher refused the others)."""
        community = self.event.community
        if community is None:
            raise RuntimeError(f"{self.event.kind} has no community")
        return community

    @property
    def press(self) -> ButtonPressed:
        """The press being handled (in a :func:`pressed` handler)."""
        event = self.event
        if not isinstance(event, ButtonPressed):
            raise TypeError(f"{event.kind} is not a button press")
        return event

    async def settings(self, kind: type[S], community: CommunityRef | None = None) -> S:
        """The settings ``kind`` of ``community`` (default: the event's), with defaults;
        in a space, the fields the space shares are its first community's."""
        where = community or self.community
        stored = await self.tx.settings(where)
        spaced = model(kind).space_keys
        shared = self.shared_of(where) if spaced and self.spaces.spaces else where
        if shared != where:
            theirs = await self.tx.settings(shared)
            stored = {k: v for k, v in stored.items() if k not in spaced}
            stored |= {k: v for k, v in theirs.items() if k in spaced}
        return read(kind, stored)

    async def update_settings(
        self, kind: type[S], community: CommunityRef | None = None, **values: Any
    ) -> None:
        """Store these fields of ``kind`` (None stores an empty value: the default); a
        field a space shares is stored at its first community."""
        where = community or self.community
        spaced = model(kind).space_keys
        for key, value in model(kind).dump(values).items():
            target = self.shared_of(where) if key in spaced else where
            await self.tx.set_setting(target, key, value, self.now)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this event's effects are committed: the only safe moment
        to update an in-memory cache (a retried batch or a failed handler rolls back)."""
        self.tx.after_commit(callback)

    def emit(self, action: Action) -> None:
        self.actions.append(action)

    def publish(self, fact: Fact) -> None:
        """Tell other features what changed: ``fact`` is stored with this handler's
        writes (never if the handler fails) and handled by every ``@on(type(fact))``
        after commit, once (:mod:`core.facts.published`). Raises
        :class:`~core.facts.FactError` for a fact that cannot be stored, and
        :class:`~core.facts.published.FactChainTooLong` past the chain's limit."""
        depth = self.fact_depth + 1
        if depth > MAX_DEPTH:
            raise FactChainTooLong(
                f"{fact.kind} would be {depth} facts deep (at most {MAX_DEPTH}): a loop?"
            )
        payload = encode(fact)  # a fact that could not be stored fails even if unheard
        if not self.heard(type(fact)):
            return
        channel = self.event.channel
        self.tx.publish(
            PublishedFact(
                payload={**payload, "depth": depth},
                platform=fact.platform,
                bot=self.bot.name,
                community_id=fact.community_id,
                channel_id=channel.id if channel is not None else None,
                at=self.now,
            )
        )
        self.published += 1

    def can(self, capability: Capability) -> bool:
        return capability in self.bot.capabilities

    @property
    def interaction_id(self) -> str | None:
        event = self.event
        if isinstance(event, CommandIssued | ButtonPressed):
            return event.interaction_id
        return None

    def reply(self, text: TextLike, buttons: ButtonRows = (), *, key: str | None = None) -> None:
        """Post in the event's channel (as a reply to the triggering message, if any)."""
        event = self.event
        if event.channel is None:
            raise ValueError(f"{event.kind} has no channel to reply in")
        reply_to = None
        if isinstance(event, MessagePosted | CommandIssued):
            reply_to = event.message
        self.emit(
            SendMessage(
                bot=self.bot.name,
                channel=event.channel,
                text=as_text(text),
                buttons=buttons,
                reply_to=reply_to,
                key=key,
                interaction_id=self.interaction_id,
            )
        )

    def respond(self, text: TextLike) -> None:
        """Answer the caller: privately where the platform can (a Slack or Discord
        ephemeral to a slash command), otherwise as a reply in the channel."""
        event = self.event
        if (
            self.interaction_id is not None
            and self.can(Capability.EPHEMERAL)
            and event.channel is not None
            and event.actor is not None
        ):
            self.emit(
                SendEphemeral(
                    bot=self.bot.name,
                    channel=event.channel,
                    user_id=event.actor.user_id,
                    display_name=event.actor.display_name,
                    text=as_text(text),
                    interaction_id=self.interaction_id,
                )
            )
        else:
            self.reply(text)

    def answer(self, toast: str = "", *, alert: bool = False) -> None:
        """Acknowledge the button press being handled, with an optional short toast."""
        self.emit(AnswerButton(**self._press_answer("answer"), toast=toast, alert=alert))

    def _press_answer(self, method: str) -> dict[str, Any]:
        """Who and where an answer to the button press being handled goes."""
        event = self.event
        if not isinstance(event, ButtonPressed):
            raise TypeError(f"{method}() is only for ButtonPressed events")
        return {
            "bot": self.bot.name,
            "interaction_id": event.interaction_id,
            "channel": event.channel,
            "user_id": event.actor.user_id if event.actor else None,
        }

    def ask_text(
        self,
        *,
        title: str,
        label: str,
        fallback_text: str,
        min_length: int = 1,
        max_length: int = MAX_FORM_TEXT,
        placeholder: str = "",
        submit: str = "",
        data: Payload | str | None = None,
    ) -> None:
        """Answer the button press being handled with a form asking for one text
        (:class:`~core.actions.AskText`); the submission comes back as a
        :class:`~core.events.ButtonPressed` with ``data`` (default: the pressed button's)
        and the text. Where the platform has no forms the member gets ``fallback_text``
        privately instead."""
        address = self._press_answer("ask_text")
        event = self.event
        assert isinstance(event, ButtonPressed)
        self.emit(
            AskText(
                **address,
                title=title,
                label=label,
                data=event.data if data is None else data if isinstance(data, str) else data.pack(),
                fallback_text=fallback_text,
                min_length=min_length,
                max_length=max_length,
                placeholder=placeholder,
                submit=submit,
            )
        )

    def text(self, value: TextLike) -> Text:
        return as_text(value)
