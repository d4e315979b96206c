"""``townsquare`` exactly as shipped, with the end-to-end test features added to the
built-in ones: ``python -m tests.discord.run_with_test_features run CONFIG.toml``."""

from __future__ import annotations

import sys

import townsquare.bots.runtime
from tests.features import e2e_features
from townsquare.bots.cli import main
from townsquare.core.features import Feature
from townsquare.core.privacy import Retention

_builtin = townsquare.bots.runtime.default_features


def _with_test_features(retention: Retention | None = None) -> list[Feature]:
    return [*_builtin(retention), *e2e_features()]


if __name__ == "__main__":
    townsquare.bots.runtime.default_features = _with_test_features
    sys.exit(main())
