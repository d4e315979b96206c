"""The Prometheus side of :mod:`core.metrics`, imported only when a registry is wanted
(``/metrics``): prometheus-client and what it imports cost about 12 MiB resident, which
a process that is never scraped need not carry."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from prometheus_client import CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString

from townsquare.core.metrics import FAMILIES, PREFIX, RATE_LIMITED, Histogram, Metrics, family_name


def registry_of(metrics: Metrics) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=True)
    registry.register(_Latency(metrics.latency))
    registry.register(_Collector(metrics))
    return registry


class _Latency(Collector):
    """``townsquare_pipeline_batch_seconds``, as prometheus-client's own ``Histogram``
    exports it (cumulative buckets, ``_count``, ``_sum``, ``_created``)."""

    name = f"{PREFIX}_pipeline_batch_seconds"

    def __init__(self, histogram: Histogram) -> None:
        self.histogram = histogram

    def collect(self) -> Iterator[Metric]:
        histogram = self.histogram
        family = HistogramMetricFamily(self.name, "Time to process and commit one batch of events")
        cumulative, buckets = 0, []
        for bound, count in zip((*histogram.bounds, float("inf")), histogram.counts, strict=True):
            cumulative += count
            buckets.append((floatToGoString(bound), float(cumulative)))  # type: ignore[no-untyped-call]
        family.add_metric([], buckets, histogram.sum)
        family.samples.append(Sample(f"{self.name}_created", {}, histogram.created))
        yield family


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
