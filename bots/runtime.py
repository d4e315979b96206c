"""The runtime: every configured bot, one pipeline, one delivery worker, one scheduler.

Start-up order: database (migrated), features, adapters (a bot that cannot start is
logged and skipped; the others run), then intake. Shutdown is the reverse: stop intake,
finish queued events, drain the outbox, close connections.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import SecretStr

from bots.config import Config
from bots.platforms import adapter_factory
from core.builtin import builtin_features
from core.delivery import DeliveryWorker
from core.dispatcher import Dispatcher
from core.escalation.feature import Escalation
from core.faq.feature import Faq
from core.features import BotInfo, Feature
from core.metrics import Metrics
from core.onboarding.feature import Onboarding
from core.pipeline import Pipeline
from core.polls.feature import Polls
from core.ports import Adapter, AdapterDeps
from core.scheduler import Scheduler
from storage.database import create_engine, is_sqlite
from storage.escalation import SqlEscalationStore
from storage.faq import SqlFaqStore
from storage.migrate import ensure_current
from storage.onboarding import SqlOnboardingStore
from storage.polls import SqlPollStore
from storage.store import SqlStore

log = logging.getLogger(__name__)


def default_features() -> list[Feature]:
    return [
        *builtin_features(),
        Polls(store=SqlPollStore),
        Escalation(store=SqlEscalationStore),
        Onboarding(store=SqlOnboardingStore),
        Faq(store=SqlFaqStore),
    ]


def config_secrets(config: Config) -> list[str]:
    """Every secret value in the config, for log redaction."""
    secrets: list[str] = []
    for bot in config.bots:
        for value in bot.__dict__.values():
            if isinstance(value, SecretStr):
                secrets.append(value.get_secret_value())
    return secrets


class NoBotStarted(RuntimeError):
    pass


class Runtime:
    def __init__(
        self,
        config: Config,
        *,
        features: Sequence[Feature] | None = None,
        extra_features: Sequence[Feature] = (),
        adapters: Mapping[str, Adapter] | None = None,
        config_path: str = "CONFIG.toml",
        delivery_options: Mapping[str, Any] | None = None,
        drain_timeout: float = 10.0,
    ) -> None:
        self.config = config
        self.features = [*(default_features() if features is None else features), *extra_features]
        if config.faq.embedding_model is not None:
            from bots.semantic import embedding_matcher

            matcher = embedding_matcher(config.faq)
            for feature in self.features:
                if isinstance(feature, Faq):
                    feature.use_matcher(matcher)
        self.config_path = config_path
        self.metrics = Metrics()
        self.drain_timeout = drain_timeout
        self._given_adapters = dict(adapters or {})
        self._delivery_options = dict(delivery_options or {})
        self.adapters: dict[str, Adapter] = {}
        self.started: list[Adapter] = []

    @property
    def commands(self) -> list[Any]:
        return [spec for feature in self.features for spec, _ in feature.command_handlers()]

    def build_adapters(self) -> dict[str, Adapter]:
        deps = AdapterDeps(
            commands=self.commands, managers=frozenset(self.config.defaults.managers)
        )
        adapters: dict[str, Adapter] = {}
        for bot in self.config.bots:
            if not bot.enabled:
                continue
            adapters[bot.name] = self._given_adapters.get(bot.name) or adapter_factory(
                bot.platform
            )(bot, deps)
        return adapters

    async def start(self) -> None:
        url = self.config.storage.url
        self.engine = create_engine(url)
        try:
            await ensure_current(
                self.engine, auto_upgrade=is_sqlite(url), config_path=self.config_path
            )
        except BaseException:
            await self.engine.dispose()
            raise
        self.store = SqlStore(self.engine)
        self.adapters = self.build_adapters()
        bots = {
            name: BotInfo(name, adapter.platform, adapter.capabilities)
            for name, adapter in self.adapters.items()
        }
        self.dispatcher = Dispatcher(
            self.features,
            bots=bots,
            managers=self.config.defaults.managers,
            metrics=self.metrics,
            default_locale=self.config.defaults.locale,
            escalate_to=self.config.defaults.escalate_to,
        )
        self.worker = DeliveryWorker(
            self.store, self.adapters, metrics=self.metrics, **self._delivery_options
        )
        self.pipeline = Pipeline(
            self.store, self.dispatcher, on_commit=self._committed, metrics=self.metrics
        )
        self.scheduler = Scheduler(
            self.store,
            self.pipeline.submit,
            {name: adapter.platform for name, adapter in self.adapters.items()},
            metrics=self.metrics,
        )
        self.pipeline.start()
        self.worker.start()
        self.scheduler.start()
        for name, adapter in self.adapters.items():
            try:
                await adapter.start(self.pipeline.submit)
            except Exception as error:
                log.error("bot %s (%s) did not start: %s", name, adapter.platform, error)
                self.metrics.inc("bots.failed_to_start")
                continue
            self.started.append(adapter)
            log.info("bot %s (%s) is running", name, adapter.platform)
        if not self.started:
            await self.stop()
            raise NoBotStarted("no bot could start; see the errors above")

    def _committed(self, actions: Sequence[Any]) -> None:
        self.worker.wake()
        self.scheduler.wake()

    async def stop(self) -> None:
        for adapter in self.started:
            try:
                await adapter.stop()
            except Exception:
                log.exception("bot %s did not stop cleanly", adapter.bot)
        await self.pipeline.close()
        await self.scheduler.stop()
        if not await self.worker.drain(self.drain_timeout):
            log.warning(
                "outbox not empty after %.0fs; the rest is sent at next start", self.drain_timeout
            )
        await self.worker.stop()
        for adapter in self.started:
            try:
                await adapter.close()
            except Exception:
                log.exception("bot %s did not close cleanly", adapter.bot)
        self.started = []
        await self.engine.dispose()

    async def __aenter__(self) -> Runtime:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
