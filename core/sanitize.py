"""Text from a platform is made storable and sendable at the edge, once, for every field.

JSON may carry a lone UTF-16 surrogate (``"\\ud800"`` is valid JSON): Python keeps it in
a ``str``, and the first ``.encode()`` downstream (SQLite, asyncpg, a platform's HTTP
body) fails with ``UnicodeEncodeError``. PostgreSQL also refuses NUL in text. A display
name holding either made the roster and onboarding fail on that join, so every inbound
mapper passes its events through :func:`clean_event`: each text field of the event, its
actor, refs and arguments, with such code points replaced by U+FFFD (the replacement
character, shown as �). Nothing else is changed; a clean event is returned as it was, at
the cost of one regular-expression scan per text field.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import wraps
from typing import Any, ParamSpec, TypeVar

REPLACEMENT = "\ufffd"
_UNENCODABLE = re.compile("[\x00\ud800-\udfff]")
"""NUL (PostgreSQL text refuses it) and the surrogates: in a ``str`` every one of them is
lone (a JSON pair is decoded to the code point it encodes), and UTF-8 cannot encode it."""

P = ParamSpec("P")
R = TypeVar("R")


def clean_text(text: str) -> str:
    """``text`` with every unencodable code point replaced by U+FFFD."""
    if text.isascii():  # the common case, checked in C
        return text if "\x00" not in text else text.replace("\x00", REPLACEMENT)
    if _UNENCODABLE.search(text) is None:
        return text
    return _UNENCODABLE.sub(REPLACEMENT, text)


_FIELDS: dict[type, tuple[str, ...] | None] = {}
"""Per class: the fields that may hold text (a dataclass's, but ``raw``, the native
payload kept as it came, which the core never reads); None for a class that is not a
dataclass, so its values are kept as they are."""


def _fields_of(cls: type) -> tuple[str, ...] | None:
    if cls in _FIELDS:
        return _FIELDS[cls]
    found: tuple[str, ...] | None = None
    if dataclasses.is_dataclass(cls):
        found = tuple(f.name for f in dataclasses.fields(cls) if f.name != "raw" and f.init)
    _FIELDS[cls] = found
    return found


def _clean(value: Any) -> Any:
    """``value`` cleaned if it holds text (a str, a tuple of them, a dataclass of them such
    as an Actor or a ref); the very same object if nothing needed it."""
    kind = type(value)
    if kind is str:
        return clean_text(value)
    if kind is tuple:
        cleaned = tuple(_clean(item) for item in value)
        changed = any(new is not old for new, old in zip(cleaned, value, strict=True))
        return cleaned if changed else value
    if value is None or kind in _PLAIN:
        return value
    names = _fields_of(kind)
    if names is None:
        return value
    changes: dict[str, Any] = {}
    for name in names:
        old = getattr(value, name)
        new = _clean(old)
        if new is not old:
            changes[name] = new
    return dataclasses.replace(value, **changes) if changes else value


_PLAIN: frozenset[type] = frozenset({int, float, bool, datetime})


def _dirty(value: Any) -> bool:
    """Whether ``value`` holds a code point :func:`clean_text` replaces (reads only, so
    the common clean event costs no allocation)."""
    kind = type(value)
    if kind is str:
        if value.isascii():
            return "\x00" in value
        return _UNENCODABLE.search(value) is not None
    if kind is tuple:
        for item in value:  # noqa: SIM110 (a loop: any() over a generator costs more here)
            if _dirty(item):
                return True
        return False
    if value is None or kind in _PLAIN:
        return False
    names = _fields_of(kind)
    if names:
        for name in names:
            if _dirty(getattr(value, name)):
                return True
    return False


def clean_event(event: R) -> R:
    """``event`` with every text field cleaned (:func:`clean_text`)."""
    return _clean(event) if _dirty(event) else event


def clean_events(events: Iterable[R]) -> list[R]:
    return [clean_event(event) for event in events]


def sanitized(mapper: Callable[P, R]) -> Callable[P, R]:
    """Decorate a mapper returning an event, a list of events or None: whatever it
    returns is cleaned (:func:`clean_event`)."""

    @wraps(mapper)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        result = mapper(*args, **kwargs)
        if isinstance(result, list):
            return clean_events(result)  # type: ignore[return-value]
        return clean_event(result) if result is not None else result

    return wrapper
