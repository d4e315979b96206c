"""Every adapter package has the same file roles, so a reader who knows one knows them all:
``config.py`` (its ``[[bots]]`` keys), ``inbound.py`` (native update -> core event),
``outbound.py`` (core action -> native call, with the platform's ``CAPABILITIES`` and
rate ``LIMITS``), ``transport.py`` (the SDK client and the :class:`Adapter`; Telegram has
one per backend, ``aiogram_transport.py`` and ``ptb_transport.py``) and, where an
SDK raises its own exceptions, ``errors.py`` (them -> the core's delivery errors)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from townsquare.core.capabilities import Capability, RateLimits

ADAPTERS = Path(__file__).resolve().parents[2] / "adapters"
ROLES = {"config.py", "inbound.py", "outbound.py"}
SDK_ADAPTERS = ("telegram", "discord", "slack")


def test_the_adapters_are_the_ones_this_test_knows() -> None:
    found = {path.parent.name for path in ADAPTERS.glob("*/*transport.py")}
    assert found == {*SDK_ADAPTERS, "console"}


@pytest.mark.parametrize("name", [*SDK_ADAPTERS, "console"])
def test_each_adapter_has_the_common_file_roles(name: str) -> None:
    files = {path.name for path in (ADAPTERS / name).glob("*.py")}
    wanted = ROLES | ({"errors.py"} if name in SDK_ADAPTERS else set())
    assert wanted <= files
    assert any(file.endswith("transport.py") for file in files)


@pytest.mark.parametrize("name", [*SDK_ADAPTERS, "console"])
def test_capabilities_and_limits_live_in_outbound(name: str) -> None:
    outbound = importlib.import_module(f"townsquare.adapters.{name}.outbound")
    assert isinstance(outbound.CAPABILITIES, frozenset)
    assert all(isinstance(item, Capability) for item in outbound.CAPABILITIES)
    assert isinstance(outbound.LIMITS, RateLimits)
    for module in (ADAPTERS / name).glob("*.py"):
        if module.name != "outbound.py":
            assert "CAPABILITIES = " not in module.read_text(encoding="utf-8"), module.name
