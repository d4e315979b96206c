"""``${VAR}`` references in the operator's config, replaced from the environment.

``${VAR:-default}`` takes a default and ``$$`` is a literal ``$``. A bare ``$VAR`` or a
malformed ``${...}`` is a mistake, never literal text: each is reported with what to write.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from townsquare.bots.config_errors import ConfigError

_DOLLAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{[^}]*\}?|\$\w*")
"""Everything a ``$`` can start: ``$$``, a good ``${VAR}``, a malformed ``${...}`` and a bare
``$VAR`` (the last two are mistakes, never literal text)."""


def interpolate(
    value: Any,
    env: Mapping[str, str],
    path: str = "",
    problems: list[tuple[str, str]] | None = None,
) -> Any:
    """Replace ``${VAR}`` in every string. Unset or malformed references are collected in
    ``problems`` (all of them, so one run lists every variable to export); without a list
    the first one raises :class:`ConfigError`."""
    found: list[tuple[str, str]] = [] if problems is None else problems
    if isinstance(value, dict):
        result: Any = {
            k: interpolate(v, env, f"{path}.{k}" if path else k, found) for k, v in value.items()
        }
    elif isinstance(value, list):
        result = [interpolate(v, env, f"{path}[{i}]", found) for i, v in enumerate(value)]
    elif isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            text = match.group(0)
            if text == "$$":
                return "$"
            name, default = match.group(1), match.group(2)
            if name is not None:
                if name in env:
                    return env[name]
                if default is not None:
                    return default
                found.append((path, f"${{{name}}} is not set (export {name}=... before starting)"))
                return ""
            found.append((path, _malformed(text)))
            return ""

        result = _DOLLAR.sub(substitute, value)
    else:
        result = value
    if problems is None and found:
        raise ConfigError("environment", found)
    return result


def _malformed(text: str) -> str:
    """Why ``$VAR``, ``${VAR`` or ``${A B}`` is not a variable, and what to write."""
    inner = text.removeprefix("$").removeprefix("{").removesuffix("}")
    suggestion = re.sub(r"[^A-Za-z0-9_]+", "_", inner.split(":-")[0].strip()).strip("_")
    example = f"${{{suggestion or 'NAME'}}}"
    if not text.startswith("${"):
        if text == "$":
            return "a lone $ (write $$ for a literal $, or ${NAME} for a variable)"
        return f"{text} is not replaced: write {example} (braces are required; $$ is a literal $)"
    if not text.endswith("}"):
        return f"{text} is missing its closing brace: write {example}"
    return (
        f"{text} is not a variable name (letters, digits and _, not starting with a digit): "
        f"write {example}"
    )
