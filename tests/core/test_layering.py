"""The dependency arrows: core imports no messenger SDK and no SQL."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("aiogram", "telegram", "discord", "slack_bolt", "slack_sdk", "sqlalchemy", "aiosqlite")


def test_core_imports_no_sdk_and_no_sql() -> None:
    modules = [
        "core.actions",
        "core.builtin",
        "core.commands",
        "core.degrade",
        "core.delivery",
        "core.dispatcher",
        "core.events",
        "core.features",
        "core.pipeline",
        "core.scheduler",
        "core.store",
        "core.text",
    ]
    program = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in modules)
        + f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
