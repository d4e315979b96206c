"""In-process counters: failures are logged *and* counted, so an operator can see trends.

Code counts with ``metrics.inc("delivery.sent")`` (or with labels,
``metrics.inc("events", kind="MessagePosted", result="processed")``) and times with
``metrics.observe("pipeline.batch_seconds", 0.004)``. :attr:`Metrics.registry` is a
prometheus-client registry that turns those into Prometheus families at scrape time
(``/metrics``, see :mod:`web.app`): the names operators alert on are fixed here
(:data:`FAMILIES`); any other counter is exported as ``townsquare_<name>_total`` so nothing
counted is invisible. Gauges whose value lives elsewhere (outbox depth, bots up) are set by
whoever knows them, just before a scrape.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

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
}

RATE_LIMITED = "delivery.rate_limited"
"""Also exported alone as ``townsquare_rate_limited_total``: the platforms' 429s."""


def _key(labels: Mapping[str, str]) -> Labels:
    return tuple(sorted((name, str(value)) for name, value in labels.items()))


class Metrics:
    def __init__(self) -> None:
        self.counters: Counter[str] = Counter()
        self.labelled: Counter[tuple[str, Labels]] = Counter()
        self.gauges: dict[tuple[str, Labels], float] = {}
        self.gauge_help: dict[str, str] = {}
        self.registry = CollectorRegistry(auto_describe=True)
        self._latency = Histogram(
            f"{PREFIX}_pipeline_batch_seconds",
            "Time to process and commit one batch of events",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.registry.register(_Collector(self))

    def inc(self, name: str, amount: int = 1, **labels: str) -> None:
        if labels:
            self.labelled[(name, _key(labels))] += amount
        else:
            self.counters[name] += amount

    def observe(self, name: str, seconds: float) -> None:
        """Record one duration; ``pipeline.batch_seconds`` is the only histogram so far."""
        if name == "pipeline.batch_seconds":
            self._latency.observe(seconds)

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


class _Collector(Collector):
    """Builds the families from the counters at each scrape."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        counters: dict[str, tuple[str, dict[tuple[str, ...], float], tuple[str, ...]]] = {}

        def add(family: str, help: str, labels: Mapping[str, str], value: float) -> None:
            names = tuple(sorted(labels))
            entry = counters.setdefault(family, (help, {}, names))
            if help and not entry[0]:
                entry = counters[family] = (help, entry[1], entry[2])
            values = entry[1]
            key = tuple(labels[name] for name in entry[2])
            values[key] = values.get(key, 0) + value

        for family, help, labels in FAMILIES.values():  # fixed families exist even at zero
            if labels:
                counters.setdefault(family_name(family), (help, {}, tuple(sorted(labels))))
            else:
                add(family_name(family), help, {}, 0)
        add(family_name("rate_limited"), "Requests the platforms answered with 429", {}, 0)
        add(family_name("events"), "Events by kind and result", {"kind": "", "result": ""}, 0)
        add(family_name("feature_failures"), "Feature handlers that raised", {"feature": ""}, 0)
        for name, value in self.metrics.counters.items():
            if name in FAMILIES:
                fixed, text, fixed_labels = FAMILIES[name]
                add(family_name(fixed), text, fixed_labels, value)
            elif name.startswith("feature_errors."):
                feature = name.removeprefix("feature_errors.")
                add(family_name("feature_failures"), "", {"feature": feature}, value)
            else:
                add(family_name(name), f"Count of {name}", {}, value)
            if name == RATE_LIMITED:
                add(family_name("rate_limited"), "", {}, value)
        for (name, pairs), count in self.metrics.labelled.items():
            add(family_name(name), f"Count of {name}", dict(pairs), count)
        for family, (help, values, names) in sorted(counters.items()):
            metric = CounterMetricFamily(family, help or family, labels=list(names))
            for key, total in sorted(values.items()):
                if names and not any(key):
                    continue  # the placeholder of a labelled family with no samples yet
                metric.add_metric(list(key), total)
            yield metric
        gauges: dict[str, GaugeMetricFamily] = {}
        for (gauge, pairs), reading in sorted(self.metrics.gauges.items()):
            family = family_name(gauge)
            if family not in gauges:
                help = self.metrics.gauge_help.get(gauge, gauge)
                gauges[family] = GaugeMetricFamily(family, help, labels=[k for k, _ in pairs])
            gauges[family].add_metric([v for _, v in pairs], reading)
        yield from gauges.values()
