"""Headless Chromium for the dashboard's browser tests: Debian's ``chromium`` package
(``/usr/bin/chromium``), driven by Playwright through ``executable_path``; Playwright's
own browser downloads are never used. Without the browser (or Playwright) the tests skip
saying why, except in CI (``CI=true``), where ``.ci/run`` installs it and its absence
fails. :func:`axe_check` runs axe-core (bundled by ``axe-playwright-python``) on a page
and fails on any serious or critical finding."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SERIOUS = {"serious", "critical"}


def need_browser() -> None:
    in_ci = os.environ.get("CI") == "true"
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright / axe-playwright-python are not installed (the dev extra)")
    if missing:
        if in_ci:
            pytest.fail("; ".join(missing))
        pytest.skip("browser tests need Debian's Chromium and Playwright: " + "; ".join(missing))


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    need_browser()
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        browser = await driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            await browser.close()


async def axe_check(page: Any, name: str) -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    serious = [
        (violation["id"], violation["impact"], [node["target"] for node in violation["nodes"]])
        for violation in results.response["violations"]
        if violation.get("impact") in SERIOUS
    ]
    assert serious == [], f"{name}: {serious}"
