"""Chaos suite options: the reduced size by default, the "Done when" size on request.

``pytest tests/chaos`` runs the reduced size (a few hundred updates, 3 SIGKILLs per mode);
``TOWNSQUARE_CHAOS_FULL=1`` or ``--chaos-full`` runs 10,000 updates with 20 SIGKILLs per
mode. ``TOWNSQUARE_CHAOS_SEED=N`` replays one seed; otherwise a random seed is drawn and
printed in the summary table at the end of the session.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.chaos.runner import SUMMARY, Size, table

REDUCED = Size(updates=600, kills=3, rate=30.0, final_wait=120.0)
FULL = Size(updates=10_000, kills=20, rate=40.0, final_wait=1800.0)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--chaos-full",
        action="store_true",
        help="chaos suite at the full size: 10,000 updates and 20 SIGKILLs per mode",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "chaos: real processes under SIGKILL, database cuts and 429 storms"
    )


def full(config: pytest.Config) -> bool:
    return bool(config.getoption("--chaos-full", default=False)) or os.environ.get(
        "TOWNSQUARE_CHAOS_FULL", ""
    ) not in ("", "0")


@pytest.fixture
def chaos_size(request: pytest.FixtureRequest) -> Size:
    return FULL if full(request.config) else REDUCED


@pytest.fixture
def chaos_seed() -> int:
    configured = os.environ.get("TOWNSQUARE_CHAOS_SEED")
    return int(configured) if configured else random.randrange(1_000_000)


@pytest.fixture
def chaos_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database of the kind the test is parametrized with (``sqlite`` or
    ``postgresql``; PostgreSQL gets its own database, dropped afterwards)."""
    kind: str = request.param
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'townsquare.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARY:
        terminalreporter.section("chaos summary")
        terminalreporter.write_line(table(SUMMARY))
