"""In-process counters: failures are logged *and* counted, so an operator can see trends.

Code counts with ``metrics.inc("delivery.sent")`` (or with labels,
``metrics.inc("events", kind="MessagePosted", result="processed")``) and times with
``metrics.observe("pipeline.batch_seconds", 0.004)``. :attr:`Metrics.registry` is a
prometheus-client registry that turns those into Prometheus families at scrape time
(``/metrics``, see :mod:`web.app`): the names operators alert on are fixed here
(:data:`FAMILIES`); any other counter is exported as ``townsquare_<name>_total`` so nothing
counted is invisible. Gauges whose value lives elsewhere (outbox depth, bots up) are set by
whoever knows them, just before a scrape.

Counting is plain Python; prometheus-client (about 12 MiB resident with what it imports)
is loaded only when something asks for the registry (:mod:`core.metrics_export`), so a
process that serves no ``/metrics`` never loads it.
"""

from __future__ import annotations

import bisect
import re
import time
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

Labels = tuple[tuple[str, str], ...]

PREFIX = "townsquare"

FAMILIES: dict[str, tuple[str, str, dict[str, str]]] = {
    # counter name: (family, help, labels)
    "delivery.sent": ("deliveries", "Outbox actions by delivery result", {"result": "sent"}),
    "delivery.failed": ("deliveries", "", {"result": "gave_up"}),
    "delivery.retries": ("deliveries", "", {"result": "retried"}),
    "delivery.rate_limited": ("deliveries", "", {"result": "rate_limited"}),
    "delivery.crashes": ("deliveries", "", {"result": "crashed"}),
    "delivery.edits_coalesced": ("deliveries", "", {"result": "coalesced"}),
    "delivery.limiter_waits": (
        "limiter_waits",
        "Sends that waited for their send slot (a per-chat or per-bot limit)",
        {},
    ),
    "pipeline.batch_retries": (
        "database_errors",
        "Database errors by where they happened (retried or not)",
        {"where": "pipeline_retried"},
    ),
    "pipeline.batches_failed": ("database_errors", "", {"where": "pipeline_lost"}),
    "delivery.claim_errors": ("database_errors", "", {"where": "delivery_claim"}),
    "delivery.flush_errors": ("database_errors", "", {"where": "delivery_flush"}),
    "bots.failed_to_start": (
        "bot_start_failures",
        "Attempts to start a bot that failed (it is retried)",
        {},
    ),
    "bots.lost": (
        "bot_connections_lost",
        "Running bots whose platform ended the connection for good (each is started again)",
        {},
    ),
}

RATE_LIMITED = "delivery.rate_limited"
"""Also exported alone as ``townsquare_rate_limited_total``: the platforms' 429s."""


LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Histogram:
    """Counts of observations per bucket (upper bounds, ``+Inf`` implied), their sum and
    when counting began: what a Prometheus histogram exports."""

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.sum = 0.0
        self.created = time.time()

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.sum += value


def _key(labels: Mapping[str, str]) -> Labels:
    return tuple(sorted((name, str(value)) for name, value in labels.items()))


class Metrics:
    def __init__(self) -> None:
        self.counters: Counter[str] = Counter()
        self.labelled: Counter[tuple[str, Labels]] = Counter()
        self.gauges: dict[tuple[str, Labels], float] = {}
        self.gauge_help: dict[str, str] = {}
        self.latency = Histogram(LATENCY_BUCKETS)
        """``pipeline.batch_seconds``, exported as ``townsquare_pipeline_batch_seconds``."""
        self._registry: CollectorRegistry | None = None

    @property
    def registry(self) -> CollectorRegistry:
        """The prometheus-client registry exporting these metrics (made on first use)."""
        if self._registry is None:
            from townsquare.core.metrics_export import registry_of

            self._registry = registry_of(self)
        return self._registry

    def inc(self, name: str, amount: int = 1, **labels: str) -> None:
        if labels:
            self.labelled[(name, _key(labels))] += amount
        else:
            self.counters[name] += amount

    def observe(self, name: str, seconds: float) -> None:
        """Record one duration; ``pipeline.batch_seconds`` is the only histogram so far."""
        if name == "pipeline.batch_seconds":
            self.latency.observe(seconds)

    def set_gauge(self, name: str, value: float, help: str = "", **labels: str) -> None:
        self.gauges[(name, _key(labels))] = value
        if help:
            self.gauge_help[name] = help

    def clear_gauge(self, name: str) -> None:
        for key in [key for key in self.gauges if key[0] == name]:
            del self.gauges[key]

    def __getitem__(self, name: str) -> int:
        return self.counters[name]

    def count(self, name: str, **labels: str) -> int:
        """A labelled counter's value (``count("events", kind=..., result=...)``)."""
        return self.labelled[(name, _key(labels))]

    def snapshot(self) -> dict[str, int]:
        return dict(self.counters)


def family_name(name: str) -> str:
    return f"{PREFIX}_{re.sub(r'[^A-Za-z0-9_]', '_', name)}"
