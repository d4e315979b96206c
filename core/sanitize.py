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
    if _UNENCODABLE.search(text) is None:
        return text
    return _UNENCODABLE.sub(REPLACEMENT, text)


def _clean(value: Any) -> Any:
    """``value`` cleaned if it holds text (a str, a tuple of them, a frozen dataclass of
    them such as an Actor or a ref); the very same object if nothing needed it."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, tuple):
        cleaned = tuple(_clean(item) for item in value)
        changed = any(new is not old for new, old in zip(cleaned, value, strict=True))
        return cleaned if changed else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for field in _text_fields(type(value)):
            old = getattr(value, field)
            new = _clean(old)
            if new is not old:
                changes[field] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


_FIELDS: dict[type, tuple[str, ...]] = {}


def _text_fields(cls: type) -> tuple[str, ...]:
    """The fields of a dataclass that may hold text (all but ``raw``, the native
    payload kept as it came, which the core never reads)."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = tuple(
            field.name for field in dataclasses.fields(cls) if field.name != "raw" and field.init
        )
    return found


def clean_event(event: R) -> R:
    """``event`` with every text field cleaned (:func:`clean_text`)."""
    return _clean(event)  # type: ignore[no-any-return]


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
