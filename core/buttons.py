"""Button payloads as small typed data classes, packed and parsed by the framework.

A feature declares what its buttons carry and handles a press of one with ``@pressed``::

    @dataclass(frozen=True, slots=True)
    class Vote(Payload):
        prefix: ClassVar[str] = "poll"
        poll_id: int
        option: Annotated[int, MaxLen(2), Alias({RETRACT: "r"})]

    Button("1. Pizza", Vote(12, 0).pack())          # "poll:12:0"

    @pressed(Vote)
    async def vote(self, vote: Vote, ctx: Context) -> None: ...

The wire form is ``prefix:field:field...`` (``separator`` may join the fields with
another character, for payloads already posted in that form). Every field has a bounded
packed size, so the largest payload a class can produce is known when the bot starts:
:func:`check` refuses a class whose payloads could pass :data:`MAX_BYTES` (Telegram's
``callback_data``; Discord allows 100 characters a ``custom_id``, Slack 255 an
``action_id``), and the dispatcher refuses two classes whose prefixes could be confused.
Parsing is strict: anything but the exact form :meth:`Payload.pack` writes is None, so a
forged or garbled payload reaches no handler.

Field types: ``int`` (0 to :data:`~core.scope.MAX_ID`, at most :class:`MaxLen` digits),
``bool`` (``1``/``0``), a ``StrEnum`` (its values), ``str`` (needs :class:`MaxLen`:
bytes once escaped; characters other than letters, digits, ``_``, ``.`` and ``-`` are
written ``%XX``), and any of them ``| None`` (an empty field; trailing ones are left
out, so they must default to None). :class:`Alias` spells chosen values as words.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, Self, TypeVar, Union

from townsquare.core.scope import MAX_ID

MAX_BYTES = 64
"""Telegram's ``callback_data`` limit, the tightest of the platforms."""
_PREFIX = re.compile(r"[a-z][a-z0-9_]*(?::[a-z][a-z0-9_]*)*")
_SAFE = re.compile(r"[A-Za-z0-9_.\-]")
_TOKEN = re.compile(r"(?:[A-Za-z0-9_.\-]|%[0-9A-F]{2})*")
_INT_DIGITS = len(str(MAX_ID))


class PayloadError(ValueError):
    """A payload class that cannot be used (found when the bot starts)."""


class PayloadTooLong(ValueError):
    """This value does not fit its field's declared size."""


@dataclass(frozen=True, slots=True)
class MaxLen:
    """``Annotated`` bound of a field: digits of an ``int``, escaped bytes of a ``str``."""

    size: int


@dataclass(frozen=True, slots=True)
class Alias:
    """``Annotated``: these values are written as these words (``{RETRACT: "r"}``)."""

    words: Mapping[Any, str]


class Payload:
    """Base of a button's data: subclasses are frozen dataclasses with a ``prefix``."""

    __slots__ = ()
    prefix: ClassVar[str]
    separator: ClassVar[str] = ":"
    """What joins the fields (the prefix is always followed by ``:``)."""

    def pack(self) -> str:
        """The compact string the button carries; raises :class:`PayloadTooLong`."""
        return codec(type(self)).pack(self)

    @classmethod
    def parse(cls, data: str) -> Self | None:
        """The payload ``data`` stands for, or None if it is not exactly one of ours."""
        parsed = codec(cls).parse(data)
        return parsed if isinstance(parsed, cls) else None


P = TypeVar("P", bound=Payload)


# -- fields ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    size: int
    write: Callable[[Any], str]
    read: Callable[[str], Any]
    """Raises ValueError for a token that is not this field's."""
    optional: bool


def _int_field(digits: int) -> tuple[int, Callable[[Any], str], Callable[[str], Any]]:
    def write(value: Any) -> str:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ID:
            raise PayloadTooLong(f"{value!r} is not a payload int")
        token = str(value)
        if len(token) > digits:
            raise PayloadTooLong(f"{value} has more than {digits} digits")
        return token

    def read(token: str) -> int:
        if not (token.isascii() and token.isdigit()) or len(token) > digits:
            raise ValueError(token)
        if token != "0" and token.startswith("0"):
            raise ValueError(token)  # not the form pack writes
        value = int(token)
        if value > MAX_ID:
            raise ValueError(token)
        return value

    return digits, write, read


def _str_field(size: int) -> tuple[int, Callable[[Any], str], Callable[[str], Any]]:
    def write(value: Any) -> str:
        if not isinstance(value, str):
            raise PayloadTooLong(f"{value!r} is not a str")
        token = escape(value)
        if len(token) > size:
            raise PayloadTooLong(f"{value!r} takes more than {size} bytes")
        return token

    def read(token: str) -> str:
        if len(token) > size or not _TOKEN.fullmatch(token):
            raise ValueError(token)
        value = unescape(token)
        if escape(value) != token:
            raise ValueError(token)
        return value

    return size, write, read


def escape(value: str) -> str:
    """``value`` with every character but ``[A-Za-z0-9_.-]`` as ``%XX`` UTF-8 bytes."""
    return "".join(
        char if _SAFE.fullmatch(char) else "".join(f"%{byte:02X}" for byte in char.encode())
        for char in value
    )


def unescape(token: str) -> str:
    """The inverse of :func:`escape`; raises ValueError for bytes that are not UTF-8."""
    out = bytearray()
    index = 0
    while index < len(token):
        if token[index] == "%":
            out.append(int(token[index + 1 : index + 3], 16))
            index += 3
        else:
            out += token[index].encode()
            index += 1
    return out.decode("utf-8")


def _field(owner: type, field: dataclasses.Field[Any], hint: Any) -> _Field:
    where = f"{owner.__name__}.{field.name}"
    hint, metadata, optional = _unwrap(where, hint)
    bound = next((m.size for m in metadata if isinstance(m, MaxLen)), None)
    aliases = next((m.words for m in metadata if isinstance(m, Alias)), {})
    size, write, read = _codec_of(where, hint, bound)
    if aliases:
        size, write, read = _aliased(where, aliases, size, write, read)
    return _Field(field.name, size, write, read, optional)


def _unwrap(where: str, hint: Any) -> tuple[Any, list[Any], bool]:
    """The field's type, its ``Annotated`` metadata, and whether it may be None."""
    metadata: list[Any] = []
    optional = False
    for _level in range(2):  # Annotated[X | None, ...] or Annotated[X, ...] | None
        if typing.get_origin(hint) is typing.Annotated:
            hint, *extra = typing.get_args(hint)
            metadata += extra
        if typing.get_origin(hint) in (Union, types.UnionType) and not optional:
            members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
            if len(members) != 1 or len(typing.get_args(hint)) != 2:
                raise PayloadError(f"{where}: a field is one type, or one type | None")
            hint, optional = members[0], True
    return hint, metadata, optional


def _codec_of(
    where: str, hint: Any, bound: int | None
) -> tuple[int, Callable[[Any], str], Callable[[str], Any]]:
    """Packed size, writer and reader of a field of type ``hint``."""
    if hint is bool:
        return 1, lambda v: "1" if v else "0", _bool
    if isinstance(hint, type) and issubclass(hint, Enum):
        values = [member.value for member in hint]
        if not all(isinstance(v, str) and _word(v) for v in values):
            raise PayloadError(f"{where}: enum values must be plain words")
        return max(map(len, values)), _enum_write(hint), _enum_read(hint)
    if hint is int:
        if bound is not None and not 1 <= bound <= _INT_DIGITS:
            raise PayloadError(f"{where}: an int has 1 to {_INT_DIGITS} digits")
        return _int_field(bound or _INT_DIGITS)
    if hint is str:
        if bound is None or bound < 1:
            raise PayloadError(f"{where}: a str field needs MaxLen(n), its size once escaped")
        return _str_field(bound)
    raise PayloadError(f"{where}: {hint!r} cannot be packed (int, bool, str, StrEnum)")


def _word(text: str) -> bool:
    """Written as it is: no escapes, never empty."""
    return bool(text) and all(_SAFE.fullmatch(char) for char in text)


def _bool(token: str) -> bool:
    if token not in ("0", "1"):
        raise ValueError(token)
    return token == "1"


def _enum_write(kind: type[Enum]) -> Callable[[Any], str]:
    def write(value: Any) -> str:
        if not isinstance(value, kind):
            raise PayloadTooLong(f"{value!r} is not a {kind.__name__}")
        return str(value.value)

    return write


def _enum_read(kind: type[Enum]) -> Callable[[str], Any]:
    return lambda token: kind(token)


def _aliased(
    where: str,
    aliases: Mapping[Any, str],
    size: int,
    write: Callable[[Any], str],
    read: Callable[[str], Any],
) -> tuple[int, Callable[[Any], str], Callable[[str], Any]]:
    words = {word: value for value, word in aliases.items()}
    for word in words:
        if not _word(word) or _reads(read, word):
            raise PayloadError(f"{where}: alias {word!r} must be a word no value packs to")
    if len(words) != len(aliases):
        raise PayloadError(f"{where}: two values share an alias")

    def aliased_write(value: Any) -> str:
        word = aliases.get(value)
        return word if word is not None else write(value)

    def aliased_read(token: str) -> Any:
        return words[token] if token in words else read(token)

    return max(size, *map(len, words)), aliased_write, aliased_read


def _reads(read: Callable[[str], Any], token: str) -> bool:
    try:
        read(token)
    except ValueError:
        return False
    return True


# -- a class's codec ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Codec:
    owner: type[Payload]
    fields: tuple[_Field, ...]
    required: int
    """Fields every payload has; the others (trailing, default None) may be left out."""
    size: int

    def pack(self, payload: Payload) -> str:
        tokens = []
        for field in self.fields:
            value = getattr(payload, field.name)
            tokens.append("" if value is None and field.optional else field.write(value))
        while len(tokens) > self.required and tokens[-1] == "":
            tokens.pop()
        prefix = self.owner.prefix
        return prefix if not tokens else f"{prefix}:{self.owner.separator.join(tokens)}"

    def parse(self, data: str) -> Payload | None:
        prefix = self.owner.prefix
        if data == prefix:
            tokens: list[str] = []
        elif data.startswith(prefix + ":"):
            tokens = data[len(prefix) + 1 :].split(self.owner.separator)
        else:
            return None
        if not self.required <= len(tokens) <= len(self.fields):
            return None
        if len(tokens) > self.required and tokens[-1] == "":
            return None  # pack leaves trailing empty fields out
        values: dict[str, Any] = {}
        for field, token in zip(self.fields, tokens, strict=False):
            if token == "" and field.optional:
                values[field.name] = None
                continue
            try:
                values[field.name] = field.read(token)
            except ValueError:
                return None
        for field in self.fields[len(tokens) :]:
            values[field.name] = None
        return self.owner(**values)


_CODECS: dict[type[Payload], _Codec] = {}


def codec(owner: type[Payload]) -> _Codec:
    found = _CODECS.get(owner)
    if found is None:
        found = _CODECS[owner] = _build(owner)
    return found


def check(owner: type[Payload]) -> int:
    """Refuse (:class:`PayloadError`) a class that cannot be a button's payload; its
    largest packed size in bytes otherwise."""
    return codec(owner).size


def _build(owner: type[Payload]) -> _Codec:
    name = owner.__name__
    if not (isinstance(owner, type) and issubclass(owner, Payload)):
        raise PayloadError(f"{name} is not a Payload")
    params = getattr(owner, "__dataclass_params__", None)
    if params is None or not params.frozen:
        raise PayloadError(f"{name}: a payload is a @dataclass(frozen=True)")
    prefix = getattr(owner, "prefix", None)
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise PayloadError(f"{name}: prefix {prefix!r} must be lowercase words joined by ':'")
    if owner.separator not in (":", "@"):
        raise PayloadError(f"{name}: fields are separated by ':' or '@'")
    hints = typing.get_type_hints(owner, include_extras=True)
    declared = dataclasses.fields(owner)  # type: ignore[arg-type]  # checked above
    fields = tuple(_field(owner, field, hints[field.name]) for field in declared)
    required = len(fields)
    while required and fields[required - 1].optional:
        required -= 1
    for field in declared[required:]:
        if field.default is not None:
            raise PayloadError(f"{name}.{field.name}: a trailing optional field defaults to None")
    size = len(prefix) + sum(1 + field.size for field in fields)
    if size > MAX_BYTES:
        raise PayloadError(
            f"{name}: payloads may take {size} bytes, more than a button carries "
            f"({MAX_BYTES}); give its fields smaller MaxLen bounds"
        )
    return _Codec(owner, fields, required, size)


def clash(first: str, second: str) -> bool:
    """Whether a payload of one prefix could be read as one of the other."""
    return first == second or first.startswith(second + ":") or second.startswith(first + ":")


T = TypeVar("T")


def find(prefixes: Mapping[str, T], data: str) -> T | None:
    """The entry whose prefix ``data`` starts with (prefixes never :func:`clash`)."""
    found = prefixes.get(data)
    index = data.find(":")
    while found is None and index >= 0:
        found = prefixes.get(data[:index])
        index = data.find(":", index + 1)
    return found


def check_all(classes: Iterable[tuple[str, type[Payload]]]) -> None:
    """Refuse unusable classes and prefixes two owners (``(owner, class)``) share."""
    seen: list[tuple[str, type[Payload]]] = []
    for owner, cls in classes:
        check(cls)
        for other_owner, other in seen:
            if clash(cls.prefix, other.prefix):
                raise PayloadError(
                    f"button prefix {cls.prefix!r} ({owner}: {cls.__name__}) clashes with "
                    f"{other.prefix!r} ({other_owner}: {other.__name__})"
                )
        seen.append((owner, cls))
