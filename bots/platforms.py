"""Which adapter runs each ``platform`` value, imported only when a bot uses it.

Each adapter module exposes ``create_adapter(config, deps) -> core.ports.Adapter``; importing
lazily keeps ``townsquare check`` and the console demo free of messenger SDKs, and a missing
extra becomes a message naming the ``pip install`` to run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from townsquare.core.ports import Adapter, AdapterDeps

ADAPTER_MODULES: dict[str, tuple[str, str]] = {
    # platform: (module exposing create_adapter, pip extra)
    "telegram": ("townsquare.adapters.telegram.aiogram_transport", "telegram"),
    "telegram-ptb": ("townsquare.adapters.telegram.ptb_transport", "telegram-ptb"),
    "discord": ("townsquare.adapters.discord.transport", "discord"),
    "slack": ("townsquare.adapters.slack.transport", "slack"),
    "console": ("townsquare.adapters.console.transport", ""),
}


class PlatformUnavailable(RuntimeError):
    pass


def adapter_factory(platform: str) -> Callable[[Any, AdapterDeps], Adapter]:
    module_name, extra = ADAPTER_MODULES[platform]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        hint = f" (pip install 'townsquare[{extra}]')" if extra else ""
        raise PlatformUnavailable(
            f"platform {platform!r} cannot start: {error.name} is not installed{hint}"
        ) from error
    factory: Callable[[Any, AdapterDeps], Adapter] = module.create_adapter
    return factory
