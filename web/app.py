"""Health, readiness and Prometheus metrics on ``[web] listen``.

- ``GET /healthz``: 200 while the process runs (for a liveness probe: restart when not).
- ``GET /readyz``: 200 when the database answers and every enabled bot is running and its
  platform accepts its token now, else 503; the JSON body names each bot, its state and
  what is wrong. A bot's platform is asked (``getMe``, ``GET /users/@me``, ``auth.test``)
  at most every ``probe_seconds`` per bot, so a probe every few seconds costs the platforms
  nothing noticeable, and a platform that goes away is seen without waiting for traffic.
- The managers' dashboard (:mod:`web.dashboard`): login links, sessions, the inbox.
- ``GET /metrics``: Prometheus text from :attr:`core.metrics.Metrics.registry`, with the
  outbox depth and oldest pending age read from the database and the bots up from the
  runtime at each scrape.

``create_app(runtime)`` builds the application; ``start_web(runtime, listen)`` serves it and
returns what ``stop_web`` takes. ``runtime`` is a :class:`bots.runtime.Runtime` (anything
with ``config``, ``metrics``, ``bot_states()`` and, once started, ``engine``).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from townsquare.bots.checks import auth_problem
from townsquare.bots.config import BotConfig, Config, parse_listen
from townsquare.core.metrics import Metrics
from townsquare.storage.database import describe_connection_error
from townsquare.storage.health import outbox_backlog, ping
from townsquare.web.calendar_feed import add_calendar_feed
from townsquare.web.github_hook import add_github_hook

DATABASE_TIMEOUT = 5.0


class Observed(Protocol):
    """What the web side reads from the runtime."""

    config: Config
    metrics: Metrics

    def bot_states(self) -> dict[str, str]: ...


@dataclass
class _Probes:
    """The last answer of each bot's platform, kept ``ttl`` seconds."""

    ttl: float
    answers: dict[str, tuple[float, str | None]] = field(default_factory=dict)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    async def problem(self, index: int, bot: BotConfig) -> str | None:
        async with self.locks.setdefault(bot.name, asyncio.Lock()):
            cached = self.answers.get(bot.name)
            if cached is not None and time.monotonic() - cached[0] < self.ttl:
                return cached[1]
            found = await auth_problem(index, bot, timeout=DATABASE_TIMEOUT)
            answer = found[0][1] if found else None
            self.answers[bot.name] = (time.monotonic(), answer)
            return answer


RUNTIME: web.AppKey[Any] = web.AppKey("runtime", object)
PROBES: web.AppKey[_Probes] = web.AppKey("probes", _Probes)


def create_app(runtime: Observed, *, probe_seconds: float = 10.0) -> web.Application:
    from townsquare.web import dashboard

    app = web.Application(middlewares=[dashboard.security_headers])
    app[RUNTIME] = runtime
    app[PROBES] = _Probes(probe_seconds)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz)
    app.router.add_get("/metrics", _metrics)
    add_github_hook(app, runtime)
    dashboard.add_routes(app)
    add_calendar_feed(app, runtime)
    return app


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _database(runtime: Observed) -> str | None:
    """None when the database answers, else why not (in the operator's words)."""
    engine = getattr(runtime, "engine", None)
    if engine is None:
        return "not opened yet (starting)"
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            await ping(engine)
    except Exception as error:
        url = runtime.config.storage.url
        return describe_connection_error(error, url) or f"{type(error).__name__}: {error}"
    return None


async def _refresh(runtime: Observed) -> None:
    """A runtime that reads its states from elsewhere (:mod:`web.standalone`) re-reads
    them here; the bots' own runtime knows them already."""
    refresh = getattr(runtime, "refresh", None)
    if refresh is not None:
        await refresh()


async def readiness(runtime: Observed, probes: _Probes) -> tuple[bool, dict[str, Any]]:
    """Whether the process is ready, and the body ``/readyz`` answers with."""
    await _refresh(runtime)
    states = runtime.bot_states()
    errors: dict[str, str] = getattr(runtime, "errors", {})
    enabled = [(i, bot) for i, bot in enumerate(runtime.config.bots) if bot.enabled]

    async def bot_report(index: int, bot: BotConfig) -> dict[str, Any]:
        state = states.get(bot.name, "starting")
        report: dict[str, Any] = {"platform": bot.platform, "state": state}
        if state != "running":
            report["ready"] = False
            if bot.name in errors:
                report["error"] = errors[bot.name]
            return report
        problem = None if bot.platform == "console" else await probes.problem(index, bot)
        report["ready"] = problem is None
        if problem is not None:
            report["error"] = problem
        return report

    database, *reports = await asyncio.gather(
        _database(runtime), *(bot_report(index, bot) for index, bot in enabled)
    )
    bots = {bot.name: report for (_index, bot), report in zip(enabled, reports, strict=True)}
    failing = sorted(name for name, report in bots.items() if not report["ready"])
    ready = database is None and not failing
    body: dict[str, Any] = {
        "status": "ready" if ready else "not ready",
        "database": {"ready": database is None, **({"error": database} if database else {})},
        "bots": bots,
    }
    if failing:
        body["failing"] = failing
    return ready, body


async def _readyz(request: web.Request) -> web.Response:
    ready, body = await readiness(request.app[RUNTIME], request.app[PROBES])
    return web.json_response(body, status=200 if ready else 503)


async def refresh_gauges(runtime: Observed) -> None:
    """Values that live in the database or the runtime, read just before a scrape."""
    await _refresh(runtime)
    metrics = runtime.metrics
    metrics.clear_gauge("bot_up")
    for bot in runtime.config.bots:
        if bot.enabled:
            state = runtime.bot_states().get(bot.name, "starting")
            metrics.set_gauge(
                "bot_up",
                1.0 if state == "running" else 0.0,
                "1 while the bot is running, 0 while it is starting, retrying, failed or lost",
                bot=bot.name,
                platform=bot.platform,
            )
    engine = getattr(runtime, "engine", None)
    if engine is None:
        return
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            backlog = await outbox_backlog(engine)
    except Exception:
        metrics.inc("web.database_errors")
        return
    metrics.clear_gauge("outbox_pending")
    metrics.clear_gauge("outbox_oldest_pending_seconds")
    now = datetime.now(UTC)
    for bot in runtime.config.bots:
        found = backlog.get(bot.name)
        pending = found.pending if found else 0
        age = (now - found.oldest).total_seconds() if found and found.oldest else 0.0
        metrics.set_gauge(
            "outbox_pending", pending, "Outbox actions waiting to be delivered", bot=bot.name
        )
        metrics.set_gauge(
            "outbox_oldest_pending_seconds",
            max(age, 0.0),
            "Age of the oldest outbox action waiting (0 when none)",
            bot=bot.name,
        )


async def _metrics(request: web.Request) -> web.Response:
    runtime: Observed = request.app[RUNTIME]
    await refresh_gauges(runtime)
    body = generate_latest(runtime.metrics.registry)
    response = web.Response(body=body)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


async def start_web(
    runtime: Observed, listen: str, *, probe_seconds: float = 10.0
) -> web.AppRunner:
    """Serve :func:`create_app` on ``listen`` (``host:port``; port 0 picks a free one, see
    ``runner.addresses``). OSError when the address cannot be used."""
    host, port = parse_listen(listen) if not listen.endswith(":0") else (listen[:-2], 0)
    runner = web.AppRunner(create_app(runtime, probe_seconds=probe_seconds), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


async def stop_web(runner: web.AppRunner) -> None:
    await runner.cleanup()
