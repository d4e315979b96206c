"""Routes one event to the features that subscribed to it, inside the batch transaction.

Commands are bound here, once for every platform: unknown names, unclosed quotes, wrong
argument counts and missing permissions all become a short reply to the caller. Each
handler runs in its own feature scope, so one that raises is logged with the event,
counted, rolled back alone, and the others still run.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from townsquare.core import buttons, settings
from townsquare.core.actions import Action
from townsquare.core.buttons import Payload
from townsquare.core.commands import (
    OUTSIDE_COMMUNITY,
    CommandSpec,
    CommandUsageError,
    Invocation,
    bind,
    usage,
)
from townsquare.core.degrade import degrade_all
from townsquare.core.events import ButtonPressed, CommandIssued, Event, JobDue
from townsquare.core.facts.fact import Fact, FactError, decode
from townsquare.core.facts.published import FACT_JOB
from townsquare.core.features import BotInfo, Context, Feature, Handler, community_translator
from townsquare.core.i18n import DEFAULT_LANGUAGE, Translator, _
from townsquare.core.inbox import InboxSettings
from townsquare.core.metrics import Metrics
from townsquare.core.roles import Role, resolve_role
from townsquare.core.spaces import Spaces
from townsquare.core.store import Transaction
from townsquare.core.text import code, compose

log = logging.getLogger(__name__)

ROLE_REFUSALS = {
    Role.MEMBER: _("Sorry, only members can use {command}."),
    Role.MANAGER: _("Sorry, only managers can use {command}."),
    Role.OWNER: _("Sorry, only the owner can use {command}."),
}


@dataclass(frozen=True, slots=True)
class _Run:
    """What every handler of one event shares."""

    event: Event
    tx: Transaction
    role: Role
    bot: BotInfo
    now: datetime
    tr: Translator


class Dispatcher:
    def __init__(
        self,
        features: Sequence[Feature],
        *,
        bots: Mapping[str, BotInfo],
        managers: Collection[str] = (),
        metrics: Metrics | None = None,
        default_locale: str = DEFAULT_LANGUAGE,
        escalate_to: str | None = None,
        spaces: Spaces | None = None,
    ) -> None:
        self.default_locale = default_locale
        self.escalate_to = escalate_to
        self.spaces = spaces or Spaces()
        self.features = list(features)
        self.bots = dict(bots)
        self.managers = frozenset(managers)
        self.metrics = metrics or Metrics()
        self._events: dict[type[Event], list[tuple[Feature, Handler]]] = {}
        self._commands: dict[str, tuple[CommandSpec, Feature, Handler]] = {}
        self._jobs: dict[str, tuple[Feature, Handler]] = {}
        self._facts: dict[type[Fact], list[tuple[Feature, Handler]]] = {}
        self.published = 0
        """Facts published by handlers that succeeded (the pipeline wakes the scheduler)."""
        self._buttons: dict[str, tuple[type[Payload], Feature, Handler]] = {}
        for feature in self.features:
            for payload, handler in feature.button_handlers():
                registered = [(f.name, kind) for kind, f, _h in self._buttons.values()]
                buttons.check_all([*registered, (feature.name, payload)])
                self._buttons[payload.prefix] = (payload, feature, handler)
            for event_type, handler in feature.event_handlers():
                self._events.setdefault(event_type, []).append((feature, handler))
            for fact_type, handler in feature.fact_handlers():
                self._facts.setdefault(fact_type, []).append((feature, handler))
            for spec, handler in feature.command_handlers():
                if spec.name in self._commands:
                    other = self._commands[spec.name][1].name
                    raise ValueError(f"/{spec.name} is claimed by {other} and {feature.name}")
                self._commands[spec.name] = (spec, feature, handler)
            for kind, handler in feature.job_handlers():
                if kind == FACT_JOB:
                    raise ValueError(f"{feature.name}: the job kind {FACT_JOB!r} is for facts")
                self._jobs[kind] = (feature, handler)
        models = [
            ("core", settings.Language),
            ("core", settings.TimeZone),
            ("core", InboxSettings),
        ] + [(f.name, kind) for f in self.features for kind in f.settings_models]
        settings.check_all(models)
        self._settings_models = tuple(kind for _owner, kind in models)
        self._specs = tuple(spec for spec, _feature, _handler in self._commands.values())
        self._routes: dict[type[Event], tuple[tuple[Feature, Handler], ...]] = {}
        self._fact_routes: dict[type[Fact], tuple[tuple[Feature, Handler], ...]] = {}
        self._capabilities = {name: info.capabilities for name, info in self.bots.items()}
        for feature in self.features:
            feature.attached(self.features)
        self._preparing = [f for f in self.features if type(f).prepare is not Feature.prepare]
        self._finishing = [f for f in self.features if type(f).finish is not Feature.finish]
        self._committing = [
            f for f in self.features if type(f).before_commit is not Feature.before_commit
        ]

    @property
    def commands(self) -> list[CommandSpec]:
        """Top-level specs of every registered command, in registration order."""
        return list(self._specs)

    def _handlers(self, event_type: type[Event]) -> tuple[tuple[Feature, Handler], ...]:
        """The handlers of ``event_type`` and of its base classes, most specific first
        (worked out once per type: this runs for every event)."""
        found = self._routes.get(event_type)
        if found is None:
            found = self._routes[event_type] = tuple(
                registered
                for base in event_type.__mro__
                for registered in self._events.get(base, ())
            )
        return found

    def _fact_handlers(self, fact_type: type[Fact]) -> tuple[tuple[Feature, Handler], ...]:
        """Like :meth:`_handlers`, for a fact type."""
        found = self._fact_routes.get(fact_type)
        if found is None:
            found = self._fact_routes[fact_type] = tuple(
                registered for base in fact_type.__mro__ for registered in self._facts.get(base, ())
            )
        return found

    def role_of(self, event: Event) -> Role:
        return resolve_role(event.platform, event.actor, self.managers)

    async def prepare(self, events: Sequence[Event], tx: Transaction) -> None:
        """Let features read ahead for a chunk of events (:meth:`Feature.prepare`)."""
        for feature in self._preparing:
            try:
                await feature.prepare(events, tx)
            except Exception:
                log.exception(
                    "feature %s could not read ahead for %d events", feature.name, len(events)
                )
                self.metrics.inc(f"feature_errors.{feature.name}")

    async def finish(self, tx: Transaction) -> None:
        """Let features write what the chunk deferred (:meth:`Feature.finish`); raises,
        failing the batch, if they cannot."""
        for feature in self._finishing:
            await feature.finish(tx)

    async def before_commit(self, tx: Transaction) -> None:
        """Let features write what the batch deferred (:meth:`Feature.before_commit`);
        raises, failing the batch, if they cannot."""
        for feature in self._committing:
            await feature.before_commit(tx)

    async def dispatch(self, event: Event, tx: Transaction, now: datetime) -> list[Action]:
        """Run every interested handler; return the (capability-degraded) actions."""
        bot = self.bots.get(event.bot)
        if bot is None:
            log.error("event for unknown bot %r skipped (%s)", event.bot, event.event_id)
            self.metrics.inc("events.unknown_bot")
            return []
        role = self.role_of(event)
        # The community's language, read once for every handler of this event.
        tr = await community_translator(tx, event.community, self.default_locale)
        run = _Run(event, tx, role, bot, now, tr)
        actions: list[Action] = []
        for feature, handler in self._handlers(type(event)):
            actions += await self._run(feature, handler, event, run)
        if isinstance(event, CommandIssued):
            actions += await self._command(event, run)
        elif isinstance(event, ButtonPressed):
            actions += await self._pressed(event, run)
        elif isinstance(event, JobDue) and event.job_kind == FACT_JOB:
            actions += await self._fact(event, run)
            await tx.complete_job(event.job_id, now, created_at=event.job_created_at)
        elif isinstance(event, JobDue):
            registered = self._jobs.get(event.job_kind)
            if registered is None:
                log.error("no handler for job kind %r (job %s)", event.job_kind, event.job_id)
                self.metrics.inc("jobs.unhandled")
            else:
                feature, handler = registered
                actions += await self._run(feature, handler, event, run)
            await tx.complete_job(event.job_id, now, created_at=event.job_created_at)
        if not actions:
            return actions
        # Sentences a fallback adds ("this platform cannot mute...") in the community's language.
        tr = await community_translator(tx, event.community, self.default_locale)
        return degrade_all(actions, self._capabilities, tr)

    async def _fact(self, event: JobDue, run: _Run) -> list[Action]:
        """Hand a published fact (a job of kind :data:`FACT_JOB`) to its handlers, each
        in its own feature scope, one chain step deeper than the fact."""
        try:
            fact = decode(dict(event.payload))
        except FactError as error:
            # Its class is gone (a plugin removed) or changed: kept in the jobs table.
            log.error("fact in job %s cannot be read: %s", event.job_id, error)
            self.metrics.inc("facts.unreadable")
            return []
        depth = int(event.payload.get("depth", 1))
        actions: list[Action] = []
        handlers = self._fact_handlers(type(fact))
        for feature, handler in handlers:
            actions += await self._run(feature, handler, fact, run, depth)
        self.metrics.inc("facts.handled", kind=fact.kind)
        return actions

    async def _pressed(self, event: ButtonPressed, run: _Run) -> list[Action]:
        """Parse the press into its payload class and run the handler declared for it; a
        payload no class reads (forged, garbled, a button of a removed feature) is dropped."""
        registered = buttons.find(self._buttons, event.data)
        if registered is None:
            return []
        payload, feature, handler = registered
        parsed = payload.parse(event.data)
        if parsed is None:
            self.metrics.inc("buttons.unreadable")
            return []
        return await self._run(feature, handler, parsed, run)

    async def _command(self, event: CommandIssued, run: _Run) -> list[Action]:
        context = self._context(run)
        tr = run.tr
        role = run.role
        registered = self._commands.get(event.name)
        if registered is None:
            unknown = tr(_("Unknown command /{name}. Try {help}."))  # a template for compose
            context.respond(compose(unknown, name=event.name, help=code("/help")))
            self.metrics.inc("commands.unknown")
            return context.actions
        spec, feature, handler = registered
        if event.syntax_error is not None:
            context.respond(f"{event.syntax_error}\n{tr(_('Usage'))}: {usage(spec)}")
            return context.actions
        try:
            invocation = bind(spec, event.argv, event.arg_text, role=role)
        except CommandUsageError as error:
            context.respond(str(error))
            self.metrics.inc("commands.usage_error")
            return context.actions
        refusal = self._refusal(invocation, role, event, tr)
        if refusal is not None:
            context.respond(refusal)
            self.metrics.inc("commands.refused")
            return context.actions
        return await self._run(feature, handler, invocation, run)

    def _refusal(
        self, invocation: Invocation, role: Role, event: CommandIssued, tr: Translator
    ) -> str | None:
        spec = self._commands[invocation.path[0]][0]
        required = spec.role
        outside = OUTSIDE_COMMUNITY if spec.needs_community else None
        outside = spec.elsewhere or outside
        for name in invocation.path[1:]:
            sub = spec.subcommand(name)
            if sub is None:
                break
            spec, required = sub, max(required, sub.role)
            if sub.needs_community or sub.elsewhere:
                outside = sub.elsewhere or outside or OUTSIDE_COMMUNITY
        command_text = "/" + " ".join(invocation.path)
        if role < required:
            return tr(ROLE_REFUSALS[required], command=command_text)
        if invocation.spec.needs_reply and event.reply_to is None:
            return tr(
                _("Use {command} as a reply to the message it is about."), command=command_text
            )
        if outside is not None and event.community is None:
            return tr(outside)
        return None

    def _context(self, run: _Run, fact_depth: int = 0) -> Context:
        return Context(
            event=run.event,
            tx=run.tx,
            role=run.role,
            bot=run.bot,
            now=run.now,
            commands=self._specs,
            settings_models=self._settings_models,
            bots=self.bots,
            default_locale=self.default_locale,
            escalate_to=self.escalate_to,
            managers=self.managers,
            spaces=self.spaces,
            _translator=run.tr,
            fact_depth=fact_depth,
            heard=self._heard,
        )

    def _heard(self, fact_type: type[Fact]) -> bool:
        return bool(self._fact_handlers(fact_type))

    async def _run(
        self,
        feature: Feature,
        handler: Handler,
        subject: object,
        run: _Run,
        fact_depth: int = 0,
    ) -> list[Action]:
        context = self._context(run, fact_depth)
        event, tx = run.event, run.tx
        try:
            async with tx.feature_scope():
                await handler(subject, context)
        except Exception:
            log.exception(
                "feature %s failed on %s %s (bot %s, community %s)",
                feature.name,
                f"fact {subject.kind}" if isinstance(subject, Fact) else event.kind,
                event.event_id,
                event.bot,
                event.community.id if event.community else "-",
            )
            self.metrics.inc(f"feature_errors.{feature.name}")
            return []
        if context.published:
            self.published += context.published
            self.metrics.inc("facts.published", context.published)
        return context.actions
