"""What ``townsquare run`` loads before it knows it needs it is resident memory and start-up
time for nothing: these are imported on first use only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAZY = (
    "alembic",  # only when the schema is behind (storage.migrate)
    "prometheus_client",  # only to export /metrics (core.metrics_export)
    "rapidfuzz",  # the FAQ's first typo lookup
    "snowballstemmer",  # the FAQ's first word to stem
    "numpy",  # the FAQ's first search
    "PIL",  # the first rank card drawn (core.rewards.card)
    "matplotlib",  # the first /stats chart drawn (core.analytics.chart)
    "aiogram",  # only for a bot with platform = "telegram"
    "telegram",
    "discord",
    "slack_bolt",
)


def test_the_runtime_imports_no_optional_library_at_start() -> None:
    code = (
        "import sys\n"
        "import bots.cli, bots.runtime, core.builtin\n"
        f"print(' '.join(name for name in {LAZY!r} if name in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""
