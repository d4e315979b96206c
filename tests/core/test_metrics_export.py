"""Counting needs no prometheus-client; the export matches prometheus-client's own
histogram sample for sample."""

from __future__ import annotations

import subprocess
import sys

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from townsquare.core.metrics import LATENCY_BUCKETS, Metrics

VALUES = (0.0005, 0.001, 0.003, 0.2, 11.0, 0.05, 0.1, 10.0)


def _lines(text: bytes, name: str) -> list[str]:
    """The histogram's sample lines, ``_created`` without its value (a time)."""
    return [
        line.split(" ")[0] if line.startswith(f"{name}_created") else line
        for line in text.decode().splitlines()
        if line.startswith(name)
    ]


def test_the_batch_latency_exports_as_prometheus_clients_histogram() -> None:
    name = "townsquare_pipeline_batch_seconds"
    metrics = Metrics()
    registry = CollectorRegistry()
    reference = Histogram(name, "x", buckets=LATENCY_BUCKETS, registry=registry)
    for value in VALUES:
        metrics.observe("pipeline.batch_seconds", value)
        reference.observe(value)
    ours = _lines(generate_latest(metrics.registry), name)
    assert ours == _lines(generate_latest(registry), name)
    assert f'{name}_bucket{{le="0.001"}} 2.0' in ours


def test_counting_does_not_import_prometheus_client() -> None:
    code = (
        "import sys\n"
        "from core.metrics import Metrics\n"
        "m = Metrics(); m.inc('events', kind='MessagePosted', result='processed')\n"
        "m.observe('pipeline.batch_seconds', 0.01)\n"
        "print('prometheus_client' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
