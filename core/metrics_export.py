"""The Prometheus side of :mod:`core.metrics`, imported only when a registry is wanted
(``/metrics``): prometheus-client and what it imports cost about 12 MiB resident, which
a process that is never scraped need not carry."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

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
        yield from self._counters()
        yield from self._gauges()

    def _counters(self) -> Iterator[Metric]:
        counters = _Counters()
        for family, help, labels in FAMILIES.values():  # fixed families exist even at zero
            counters.declare(family_name(family), help, labels)
        counters.add(family_name("rate_limited"), "Requests the platforms answered with 429", {}, 0)
        counters.declare(family_name("events"), "Events by kind and result", ("kind", "result"))
        counters.declare(
            family_name("feature_failures"), "Feature handlers that raised", ("feature",)
        )
        for name, value in self.metrics.counters.items():
            if name in FAMILIES:
                fixed, text, fixed_labels = FAMILIES[name]
                counters.add(family_name(fixed), text, fixed_labels, value)
            elif name.startswith("feature_errors."):
                feature = name.removeprefix("feature_errors.")
                counters.add(family_name("feature_failures"), "", {"feature": feature}, value)
            else:
                counters.add(family_name(name), f"Count of {name}", {}, value)
            if name == RATE_LIMITED:
                counters.add(family_name("rate_limited"), "", {}, value)
        for (name, pairs), count in self.metrics.labelled.items():
            counters.add(family_name(name), f"Count of {name}", dict(pairs), count)
        yield from counters.families()

    def _gauges(self) -> Iterator[Metric]:
        gauges: dict[str, GaugeMetricFamily] = {}
        for (gauge, pairs), reading in sorted(self.metrics.gauges.items()):
            family = family_name(gauge)
            if family not in gauges:
                help = self.metrics.gauge_help.get(gauge, gauge)
                gauges[family] = GaugeMetricFamily(family, help, labels=[k for k, _ in pairs])
            gauges[family].add_metric([v for _, v in pairs], reading)
        yield from gauges.values()


class _Counters:
    """Counter families summed by label values, for one scrape."""

    def __init__(self) -> None:
        self._families: dict[str, tuple[str, dict[tuple[str, ...], float], tuple[str, ...]]] = {}

    def declare(self, family: str, help: str, labels: Iterable[str]) -> None:
        """A family exported even before it has a sample (at zero when unlabelled)."""
        names = tuple(sorted(labels))
        if names:
            self._families.setdefault(family, (help, {}, names))
        else:
            self.add(family, help, {}, 0)

    def add(self, family: str, help: str, labels: Mapping[str, str], value: float) -> None:
        entry = self._families.setdefault(family, (help, {}, tuple(sorted(labels))))
        if help and not entry[0]:
            entry = self._families[family] = (help, entry[1], entry[2])
        values = entry[1]
        key = tuple(labels[name] for name in entry[2])
        values[key] = values.get(key, 0) + value

    def families(self) -> Iterator[Metric]:
        for family, (help, values, names) in sorted(self._families.items()):
            metric = CounterMetricFamily(family, help or family, labels=list(names))
            for key, total in sorted(values.items()):
                if names and not any(key):
                    continue  # the placeholder of a labelled family with no samples yet
                metric.add_metric(list(key), total)
            yield metric
