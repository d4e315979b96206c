"""The runtime: every configured bot, one pipeline, one delivery worker, one scheduler.

Start-up order: database (migrated; SQLite locked for this process, and the sends the last
run made but had not marked are marked: :mod:`core.sent_journal`), the registry of
processes (deployments that cannot work are refused: :mod:`storage.processes`), features,
then every bot at once. Each bot has its own supervisor (:mod:`bots.supervision`): a bot
whose adapter cannot be built (a missing extra) is ``failed`` and stays so; one that
cannot connect or log in is retried with backoff while the others run, and its outbox
rows and jobs wait for it. Shutdown is the reverse: stop intake, finish queued events, drain the
outbox, release leases and registry rows, close connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretStr

from townsquare.bots.config import Config, FeaturesConfig
from townsquare.bots.platforms import adapter_factory
from townsquare.bots.plugins import assemble, migration_folders
from townsquare.bots.supervision import RETRY_DELAYS, BotState, Supervision, one_line
from townsquare.core.analytics.feature import Analytics
from townsquare.core.announcements.feature import Announcements
from townsquare.core.builtin import builtin_features
from townsquare.core.calendar.feature import Events
from townsquare.core.dashboard.answers import AnsweringDispatcher
from townsquare.core.dashboard.feature import Dashboard
from townsquare.core.delivery import DeliveryWorker
from townsquare.core.escalation.feature import Escalation
from townsquare.core.faq.feature import Faq
from townsquare.core.features import BotInfo, Feature
from townsquare.core.feedback.feature import Feedback
from townsquare.core.forgetme.feature import Privacy
from townsquare.core.giveaways.feature import Giveaways
from townsquare.core.metrics import Metrics
from townsquare.core.onboarding.feature import Onboarding
from townsquare.core.people.feature import People
from townsquare.core.pipeline import Pipeline
from townsquare.core.polls.feature import Polls
from townsquare.core.ports import Adapter, AdapterDeps
from townsquare.core.privacy import Retention
from townsquare.core.ratelimit import SlotBook
from townsquare.core.rewards.feature import Rewards
from townsquare.core.scheduler import Scheduler
from townsquare.core.sent_journal import SentJournal
from townsquare.core.tickets.feature import Tickets
from townsquare.core.waiting import wait_event
from townsquare.core.watch.feature import Watch
from townsquare.storage.analytics import SqlAnalyticsStore
from townsquare.storage.announcements import SqlAnnouncementStore
from townsquare.storage.calendar import SqlEventStore
from townsquare.storage.database import create_engine, is_sqlite, sqlite_file
from townsquare.storage.escalation import SqlEscalationStore
from townsquare.storage.faq import SqlFaqStore
from townsquare.storage.feedback import SqlFeedbackStore
from townsquare.storage.gateway import SqlGatewaySessions
from townsquare.storage.giveaways import SqlGiveawayStore
from townsquare.storage.migrate import ensure_current
from townsquare.storage.onboarding import SqlOnboardingStore
from townsquare.storage.people import SqlPeopleStore, SqlPersonDirectory
from townsquare.storage.polls import SqlPollStore
from townsquare.storage.privacy import SqlPrivacyStore
from townsquare.storage.processes import (
    HEARTBEAT,
    BotProcesses,
    SqliteInUse,
    SqliteLock,
    receive_mode,
)
from townsquare.storage.ratelimit import send_slots
from townsquare.storage.rewards import SqlRewardsStore
from townsquare.storage.store import SqlStore
from townsquare.storage.tickets import SqlTicketStore
from townsquare.storage.watch import SqlWatchStore
from townsquare.storage.web import SqlDashboardStore

log = logging.getLogger(__name__)


def default_features(retention: Retention | None = None) -> list[Feature]:
    return [
        *builtin_features(),
        Polls(store=SqlPollStore, persons=SqlPersonDirectory()),
        Escalation(store=SqlEscalationStore, people=SqlPersonDirectory()),
        Onboarding(store=SqlOnboardingStore),
        Faq(store=SqlFaqStore),
        People(store=SqlPeopleStore),
        Giveaways(store=SqlGiveawayStore, persons=SqlPersonDirectory()),
        Events(store=SqlEventStore, persons=SqlPersonDirectory()),
        Announcements(store=SqlAnnouncementStore),
        Analytics(
            store=SqlAnalyticsStore,
            persons=SqlPersonDirectory(),
            keep_days=(retention or Retention()).of("analytics"),
        ),
        Rewards(store=SqlRewardsStore, persons=SqlPersonDirectory()),
        Tickets(store=SqlTicketStore, people=SqlPersonDirectory()),
        Watch(store=SqlWatchStore),
        Feedback(store=SqlFeedbackStore, persons=SqlPersonDirectory()),
        Dashboard(store=SqlDashboardStore, persons=SqlPersonDirectory()),
        Privacy(store=SqlPrivacyStore, persons=SqlPersonDirectory(), retention=retention),
    ]


def configured_features(config: Config) -> list[Feature]:
    """The built-in features and the plugins, as ``[features]`` says; raises
    :class:`bots.plugins.FeaturesRefused` naming what is wrong."""
    days = config.retention.days() if hasattr(config, "retention") else None
    retention = Retention(days) if days is not None else None
    return assemble(default_features(retention), getattr(config, "features", FeaturesConfig()))


def config_secrets(config: Config) -> list[str]:
    """Every secret value in the config, for log redaction."""
    secrets: list[str] = []
    for bot in config.bots:
        for value in bot.__dict__.values():
            if isinstance(value, SecretStr):
                secrets.append(value.get_secret_value())
    return secrets


def dashboard_url(config: Config) -> str | None:
    """Where managers' dashboard links point: ``[web] public_url``, else ``http://`` and
    ``[web] listen``; None when no web side is served."""
    web = getattr(config, "web", None)
    if web is None or web.listen is None:
        return None
    if web.public_url is not None:
        return str(web.public_url).rstrip("/")
    return f"http://{web.listen}"


class NoBotStarted(RuntimeError):
    pass


class StartRefused(RuntimeError):
    """A deployment that cannot work (a second process on one SQLite file, Telegram polling
    next to other processes of the same bot): ``problems`` are (config key, what to do)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems))
        self.problems = problems


class Runtime(Supervision):
    def __init__(
        self,
        config: Config,
        *,
        features: Sequence[Feature] | None = None,
        extra_features: Sequence[Feature] = (),
        adapters: Mapping[str, Adapter] | None = None,
        config_path: str = "CONFIG.toml",
        delivery_options: Mapping[str, Any] | None = None,
        drain_timeout: float | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        self.config = config
        chosen = configured_features(config) if features is None else features
        self.features = [*chosen, *extra_features]
        if config.faq.embedding_model is not None:
            from townsquare.bots.semantic import embedding_matcher

            matcher = embedding_matcher(config.faq)
            for feature in self.features:
                if isinstance(feature, Faq):
                    feature.use_matcher(matcher)
        if config.feedback.github is not None:
            from townsquare.core.feedback.github import GithubLink
            from townsquare.storage.github import SqlGithubStore

            link = GithubLink(repo=config.feedback.github.repo, store=SqlGithubStore)
            for feature in self.features:
                if isinstance(feature, Feedback):
                    feature.use_github(link)
        for feature in self.features:  # calendar feeds are served by [web]
            if isinstance(feature, Events) and config.web.listen is not None:
                feature.use_feeds(str(config.web.public_url) if config.web.public_url else None)
        self.config_path = config_path
        for feature in self.features:
            if isinstance(feature, Dashboard):
                feature.public_url = dashboard_url(config)
        self.metrics = Metrics()
        delivery = getattr(config, "delivery", None)
        configured_drain = getattr(delivery, "drain_seconds", 30.0)
        self.drain_timeout = float(configured_drain if drain_timeout is None else drain_timeout)
        self.retry_delays = tuple(retry_delays)
        self._given_adapters = dict(adapters or {})
        self._delivery_options = dict(delivery_options or {})
        self.adapters: dict[str, Adapter] = {}
        self.started: list[Adapter] = []
        self._states: dict[str, BotState] = {}
        self.errors: dict[str, str] = {}
        """The last start error of each bot that is retrying or failed."""
        self._supervisors: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._heartbeat: asyncio.Task[None] | None = None
        self._slots: SlotBook | None = None
        self._journal: SentJournal | None = None
        self.github: Any = None
        """The GitHub issues' worker (:mod:`adapters.github.worker`) with ``[feedback.github]``."""
        self.github_issues: Any = None

    @property
    def commands(self) -> list[Any]:
        return [spec for feature in self.features for spec, _ in feature.command_handlers()]

    def build_adapters(self) -> dict[str, Adapter]:
        """An adapter per enabled bot; a bot whose adapter cannot be built (a missing
        extra, a token its SDK refuses) is logged in one line and marked failed."""
        deps = AdapterDeps(
            commands=self.commands,
            managers=frozenset(self.config.defaults.managers),
            sessions=SqlGatewaySessions(self.engine),
        )
        adapters: dict[str, Adapter] = {}
        for bot in self.config.bots:
            if not bot.enabled:
                continue
            given = self._given_adapters.get(bot.name)
            if given is not None:
                adapters[bot.name] = given
                continue
            try:
                adapters[bot.name] = adapter_factory(bot.platform)(bot, deps)
            except Exception as error:  # one bot that cannot be built never stops the rest
                self._fail(bot.name, bot.platform, error)
        return adapters

    async def start(self) -> None:
        url = self.config.storage.url
        self._sqlite_lock = SqliteLock(url) if is_sqlite(url) else None
        if self._sqlite_lock is not None:
            try:
                self._sqlite_lock.acquire()
            except SqliteInUse as error:
                raise StartRefused([("storage.url", str(error))]) from None
        self.engine = create_engine(url)
        try:
            await ensure_current(
                self.engine,
                auto_upgrade=is_sqlite(url),
                config_path=self.config_path,
                locations=migration_folders(self.features),
            )
            self.processes = BotProcesses(self.engine)
            problems = await self.processes.register(self._receive_modes(), _now())
            if not problems:
                await self._take_over()
        except BaseException:
            await self._release_storage()
            raise
        if problems:
            await self._release_storage()
            raise StartRefused(problems)
        self.store = SqlStore(self.engine)
        self._journal = await self._replay_journal(url)
        self.adapters = self.build_adapters()
        bots = {
            name: BotInfo(name, adapter.platform, adapter.capabilities)
            for name, adapter in self.adapters.items()
        }
        self.dispatcher = AnsweringDispatcher(
            self.features,
            bots=bots,
            managers=self.config.defaults.managers,
            metrics=self.metrics,
            default_locale=self.config.defaults.locale,
            escalate_to=self.config.defaults.escalate_to,
            spaces=self.config.space_directory(),
        )
        # The worker and the scheduler serve a bot only once it runs (see _supervise).
        # Send slots shared through PostgreSQL by every process of a bot (memory on SQLite).
        self._slots = send_slots(self.engine)
        options = {
            "slots": self._slots,
            "owner": self.processes.owner,
            **self._delivery_options,
        }
        self.worker = DeliveryWorker(
            self.store, {}, metrics=self.metrics, journal=self._journal, **options
        )
        self.pipeline = Pipeline(
            self.store, self.dispatcher, on_commit=self._committed, metrics=self.metrics
        )
        self.scheduler = Scheduler(self.store, self.pipeline.submit, {}, metrics=self.metrics)
        self._start_github()
        self.pipeline.start()
        self.worker.start()
        self.scheduler.start()
        self._heartbeat = asyncio.create_task(self._beat(), name="townsquare-heartbeat")
        first_attempts: list[asyncio.Future[None]] = []
        for name, adapter in self.adapters.items():
            attempted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            first_attempts.append(attempted)
            self._states[name] = "starting"
            self._supervisors.append(
                asyncio.create_task(
                    self._supervise(name, adapter, attempted), name=f"townsquare-bot-{name}"
                )
            )
        await asyncio.gather(*first_attempts)
        if not self.started and not any(state == "retrying" for state in self._states.values()):
            await self.stop()
            raise NoBotStarted("no bot could start; see the errors above")

    async def _replay_journal(self, url: str) -> SentJournal | None:
        """On SQLite: mark sent what the last run sent but had not marked yet (a SIGKILL),
        before anything is claimed, then start an empty journal for this run."""
        database = sqlite_file(url)
        if database is None:
            return None  # PostgreSQL commits each mark at once; an in-memory one is gone
        journal = SentJournal.beside(database)
        rows = journal.replay()
        try:
            marked = await self.store.outbox_replay_sent(rows, _now())
            journal.open()
        except BaseException:
            await self._release_storage()
            raise
        if marked:
            log.info("marked %d message(s) sent before the last stop as sent", marked)
        return journal

    async def _take_over(self) -> None:
        """Hand back at once the leases of processes that are gone (a SIGKILL), rather than
        when they run out; alone on SQLite (the lock is held), every job lease too."""
        await self.processes.reclaim(_now(), alone=self._sqlite_lock is not None)

    def _receive_modes(self) -> dict[str, tuple[str, str]]:
        return {
            bot.name: (bot.platform, receive_mode(bot.platform, getattr(bot, "mode", None)))
            for bot in self.config.bots
            if bot.enabled
        }

    async def _beat(self) -> None:
        while not await wait_event(self._stopping, HEARTBEAT):
            try:
                await self.processes.refresh(_now())
            except Exception as error:
                log.warning("cannot refresh this process's bot registry: %s", one_line(error))

    def _committed(self, actions: Sequence[Any]) -> None:
        self.worker.wake()
        self.scheduler.wake()
        if self.github is not None:
            self.github.wake()

    def _start_github(self) -> None:
        """``[feedback.github]``: the worker that opens ideas' issues, and the requests'
        table the webhook's route (``/hooks/github``) reads."""
        config = self.config.feedback.github
        if config is None:
            return
        from townsquare.adapters.github.client import GithubClient
        from townsquare.adapters.github.worker import IssueWorker
        from townsquare.storage.github import SqlGithubIssues

        self.github_issues = SqlGithubIssues(self.store)
        self.github = IssueWorker(
            self.github_issues,
            GithubClient(config),
            self.pipeline.submit,
            metrics=self.metrics,
            alone=self._sqlite_lock is not None,  # it holds the SQLite lock
        )
        self.github.start()

    async def stop(self) -> None:
        self._stopping.set()
        for task in self._supervisors:
            task.cancel()
        for task in self._supervisors:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._supervisors = []
        for adapter in self.started:
            try:
                await adapter.stop()
            except Exception:
                log.exception("bot %s did not stop cleanly", adapter.bot)
        if self.github is not None:
            await self.github.stop()
        await self.pipeline.close()
        await self.scheduler.stop()
        if not await self.worker.drain(self.drain_timeout):
            log.warning(
                "outbox not empty after %.0fs; the rest is released to the next start "
                "or another process",
                self.drain_timeout,
            )
        await self.worker.stop()
        for adapter in self.started:
            try:
                await adapter.close()
            except Exception:
                log.exception("bot %s did not close cleanly", adapter.bot)
        self.started = []
        for name in self._states:
            self._states[name] = "stopped"
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        try:
            await self.processes.release()
        except Exception as error:
            log.warning("cannot clear this process's bot registry: %s", one_line(error))
        await self._release_storage()

    async def _release_storage(self) -> None:
        if self._slots is not None:
            await self._slots.close()
            self._slots = None
        await self.engine.dispose()
        if self._journal is not None:
            self._journal.close()
        if self._sqlite_lock is not None:
            self._sqlite_lock.release()

    async def __aenter__(self) -> Runtime:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def _now() -> datetime:
    return datetime.now(UTC)
