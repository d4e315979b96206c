"""Config problems as an operator reads them: ``FILE: key: what is wrong (how to fix it)``.

pydantic's validation errors are turned into the key the operator wrote
(``bots[0] (tg-main).token``) and a sentence about the value, one line each.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError


class ConfigError(Exception):
    """A config file that cannot be used; ``problems`` are ``(key, message)`` pairs."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {key}: {message}" for key, message in problems))


Models = Mapping[str, type[BaseModel]]
"""Each ``platform`` tag and the model of its ``[[bots]]`` table."""


def problems_of(
    error: ValidationError, data: Mapping[str, Any], root: type[BaseModel], platforms: Models
) -> list[tuple[str, str]]:
    """``(key, message)`` for each of pydantic's errors about ``data`` (validated as
    ``root``, whose ``bots`` are tagged by ``platform``)."""
    return [
        (_location(e["loc"], data, platforms), _message(e, root, platforms)) for e in error.errors()
    ]


def _location(loc: tuple[int | str, ...], data: Mapping[str, Any], platforms: Models) -> str:
    """Turn pydantic's location into the key an operator sees, e.g. ``bots[0].token``."""
    parts: list[str] = []
    node: Any = data
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]" if parts else f"[{item}]"]
            node = node[item] if isinstance(node, list) and item < len(node) else None
        elif isinstance(node, dict) and item not in node and item in platforms:
            continue  # the discriminator tag pydantic inserts
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    if isinstance(data.get("bots"), list) and len(loc) >= 2 and loc[0] == "bots":
        index = loc[1]
        if isinstance(index, int) and index < len(data["bots"]):
            bot = data["bots"][index]
            name = bot.get("name") if isinstance(bot, dict) else None
            if name:
                parts[0] = f"bots[{index}] ({name})"
    return ".".join(parts) or "(file)"


def _model_at(
    loc: tuple[int | str, ...], root: type[BaseModel], platforms: Models
) -> type[BaseModel] | None:
    """The model whose keys are valid where an unknown key was found."""
    parent = loc[:-1]
    if not parent:
        return root
    if parent[0] == "bots":
        tags = [item for item in parent if isinstance(item, str) and item in platforms]
        return platforms[tags[0]] if tags else None
    model: type[BaseModel] | None = root
    for name in parent:  # nested tables: [feedback.github]
        field = model.model_fields.get(str(name)) if model is not None else None
        model = _table_model(field.annotation) if field is not None else None
    return model


def _table_model(annotation: Any) -> type[BaseModel] | None:
    """The model of a table-valued field (``Model`` or ``Model | None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    found = [
        kind
        for kind in typing.get_args(annotation)
        if isinstance(kind, type) and issubclass(kind, BaseModel)
    ]
    return found[0] if len(found) == 1 else None


def _unknown_key(loc: tuple[int | str, ...], root: type[BaseModel], platforms: Models) -> str:
    model = _model_at(loc, root, platforms)
    key = str(loc[-1])
    if model is None:
        return "unknown key (check the spelling; see the README's configuration section)"
    known = [name for name in model.model_fields if name != "platform" or model is root]
    close = difflib.get_close_matches(key.lower().replace("-", "_"), known, n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean {close[0]}?"
    return f"unknown key (known here: {', '.join(known)})"


_KIND_WORDS = {
    "string_type": "should be text in quotes",
    "int_type": "should be a whole number",
    "int_parsing": "should be a whole number",
    "int_from_float": "should be a whole number",
    "float_type": "should be a number",
    "float_parsing": "should be a number",
    "bool_type": "should be true or false",
    "bool_parsing": "should be true or false",
    "list_type": 'should be a list, e.g. ["a", "b"]',
    "dict_type": "should be a table (a [section] or { key = value })",
    "model_type": "should be a table (a [section] or { key = value })",
    "model_attributes_type": "should be a table (a [section] or { key = value })",
}


_BOUNDS = {
    "greater_than": "more than",
    "greater_than_equal": "at least",
    "less_than": "less than",
    "less_than_equal": "at most",
}


def _platform_message(kind: str, error: Mapping[str, Any]) -> str:
    if kind == "union_tag_invalid":
        return "platform must be one of telegram, telegram-ptb, discord, slack, console"
    written = [str(key) for key in error.get("input") or {} if isinstance(key, str)]
    close = difflib.get_close_matches("platform", written, n=1, cutoff=0.6)
    hint = f"; did you mean platform instead of {close[0]}?" if close else ""
    return f"platform is missing (telegram, telegram-ptb, discord, slack or console){hint}"


def _message(error: Mapping[str, Any], root: type[BaseModel], platforms: Models) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    context = error.get("ctx") or {}
    field = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        return _unknown_key(loc, root, platforms)
    if kind == "missing":
        if loc == ("bots",):
            return 'add at least one [[bots]] table (name = "...", platform = "...")'
        return "required key is missing"
    if kind == "too_short" and loc == ("bots",):
        return 'add at least one [[bots]] table (name = "...", platform = "...")'
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _platform_message(kind, error)
    if kind == "string_pattern_mismatch":
        if field == "name":
            return (
                "use letters, digits, '.', '_' or '-' (at most 63, starting with a letter or "
                "digit), e.g. tg-main"
            )
        return "has characters that are not allowed here"
    if kind == "literal_error":
        return f"must be one of {context.get('expected', '')} (got {error.get('input')!r})"
    if kind.startswith("url_"):
        why = str(error["msg"]).lower().removeprefix("input should be a valid url, ")
        return f"not a usable URL ({why}): write it like http://127.0.0.1:8081"
    if kind in _BOUNDS:
        bound = next(iter(context.values()), "")
        return f"must be {_BOUNDS[kind]} {bound} (got {error.get('input')!r})"
    if kind in _KIND_WORDS:
        return f"{_KIND_WORDS[kind]} (got {error.get('input')!r})"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")
