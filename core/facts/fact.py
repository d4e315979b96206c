"""The fact base class: an immutable, typed record of something a feature changed.

A fact names what happened (a vote cast, a case resolved) in plain values a consumer
needs: ids, the community, the platform user it is about, timestamps. It is stored as
JSON in the batch transaction of the handler that published it, so each fact type has a
stable ``kind`` (``"polls.vote_cast"``), written with it and read back to find the class:
renaming the class never strands the facts already stored. Fields may be ``str``,
``int``, ``float``, ``bool``, ``datetime``, enums of those, tuples of them, or ``None``;
:func:`encode` refuses anything else, so a fact never stores what it cannot read back.

People (:mod:`core.persons`) are not resolved here: a fact names the account
(``platform`` + ``user_id``) and a consumer that counts per person asks the directory.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Union

from townsquare.core.refs import CommunityRef

FACT_TYPES: dict[str, type[Fact]] = {}
"""Every fact type by its stored ``kind`` (filled as fact classes are defined)."""


class FactError(ValueError):
    """A fact that cannot be stored or read back (an unknown kind, a field of a type JSON
    cannot hold, a payload that does not match its class)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact:
    """Base of every fact; a subclass sets ``kind`` and adds its fields::

        @dataclass(frozen=True, slots=True, kw_only=True)
        class VoteCast(Fact):
            kind: ClassVar[str] = "polls.vote_cast"
            poll_id: int
            user_id: str

    ``platform`` and ``community_id`` say where it happened (``community_id`` None for
    what belongs to no community); ``at`` is when (the publishing handler's ``ctx.now``).
    """

    kind: ClassVar[str] = ""
    platform: str
    community_id: str | None
    at: datetime

    def __init_subclass__(cls) -> None:
        # No ``super()`` here: ``slots=True`` rebuilds this class, and the zero-argument
        # form would name the first one.
        kind = cls.__dict__.get("kind")
        if not isinstance(kind, str) or not kind:
            return  # an abstract grouping class: it may be subscribed to, not published
        known = FACT_TYPES.get(kind)
        # ``@dataclass(slots=True)`` builds a second class of the same name (its
        # ``__qualname__`` is set only later): it replaces the first. Another class
        # claiming the kind is a mistake worth failing on.
        if known is not None and (known.__module__, known.__name__) != (
            cls.__module__,
            cls.__name__,
        ):
            raise FactError(f"fact kind {kind!r} is claimed by {known.__name__} too")
        FACT_TYPES[kind] = cls

    @property
    def community(self) -> CommunityRef | None:
        """The community as the store's methods take it (``tx.settings``)."""
        if self.community_id is None:
            return None
        return CommunityRef(self.platform, self.community_id)


def encode(fact: Fact) -> dict[str, Any]:
    """The fact as JSON-ready values: ``{"kind": ..., "fields": {...}}``."""
    cls = type(fact)
    if not cls.kind or FACT_TYPES.get(cls.kind) is not cls:
        raise FactError(f"{cls.__qualname__} has no kind of its own; it cannot be published")
    hints = _hints(cls)
    fields = {
        field.name: _encode(getattr(fact, field.name), hints[field.name], field.name)
        for field in dataclasses.fields(fact)
    }
    return {"kind": cls.kind, "fields": fields}


def decode(payload: dict[str, Any]) -> Fact:
    """The fact :func:`encode` stored; :class:`FactError` if it cannot be read."""
    kind = payload.get("kind")
    cls = FACT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise FactError(f"unknown fact kind {kind!r}")
    stored = payload.get("fields")
    if not isinstance(stored, dict):
        raise FactError(f"fact {kind} has no fields")
    hints = _hints(cls)
    try:
        values = {
            field.name: _decode(stored[field.name], hints[field.name])
            for field in dataclasses.fields(cls)
            if field.name in stored
        }
        return cls(**values)
    except (TypeError, ValueError, KeyError) as error:
        raise FactError(f"fact {kind} does not match its class: {error}") from error


def _hints(cls: type[Fact]) -> dict[str, Any]:
    cached: dict[str, Any] | None = _HINTS.get(cls)
    if cached is None:
        cached = _HINTS[cls] = typing.get_type_hints(cls)
    return cached


_HINTS: dict[type[Fact], dict[str, Any]] = {}

_SCALARS = (str, int, float, bool)


def _encode(value: Any, hint: Any, name: str) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        return _encode(value.value, Any, name)
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise FactError(f"field {name}: a fact's time must be timezone-aware (UTC)")
        return value.isoformat()
    if isinstance(value, tuple):
        args = typing.get_args(_without_none(hint))
        inner = args[0] if args else Any
        return [_encode(item, inner, name) for item in value]
    raise FactError(f"field {name}: a fact cannot store a {type(value).__name__}")


def _decode(value: Any, hint: Any) -> Any:
    if value is None:
        return None
    hint = _without_none(hint)
    origin = typing.get_origin(hint)
    if origin is tuple:
        args = typing.get_args(hint)
        inner = args[0] if args else Any
        return tuple(_decode(item, inner) for item in value)
    if hint is datetime:
        return datetime.fromisoformat(value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if hint is float and isinstance(value, int):
        return float(value)
    return value


def _without_none(hint: Any) -> Any:
    """``X | None`` as ``X`` (the one kind of union a fact field may be)."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        rest = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return hint
