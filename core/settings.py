"""Per-feature typed settings of a community, with defaults, namespaced by the feature.

A feature declares its settings as a frozen dataclass whose fields all have defaults::

    @dataclass(frozen=True, slots=True)
    class FaqSettings(FeatureSettings):
        namespace: ClassVar[str] = "faq"
        auto: bool = setting(True, key="faq_auto")

and reads and writes them through the context: ``await ctx.settings(FaqSettings)``,
``await ctx.update_settings(FaqSettings, auto=False)``.

Storage is the community's settings table, one JSON value a key. A field is stored under
``<namespace>.<field>`` unless it names its ``key``: the settings written before models
existed keep their keys (``welcome_template``, ``locale``), so what communities stored is
read unchanged and ``/settings`` still lists it as it did. Keys are claimed at start
(:func:`check_all`): two models may not share a namespace or a key.

A stored value of the wrong type, or one the field's ``valid`` refuses, reads as the
default: a setting written by an older version never breaks a feature.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, TypeVar, Union

from townsquare.core.i18n import DEFAULT_LANGUAGE, Translator, translator
from townsquare.core.when import known_zone


class FeatureSettings:
    """Base of a settings model: a frozen dataclass with a ``namespace``."""

    __slots__ = ()
    namespace: ClassVar[str]


S = TypeVar("S", bound=FeatureSettings)


class SettingsError(ValueError):
    """A settings model that cannot be used (found when the bot starts)."""


def setting(
    default: Any,
    *,
    key: str | None = None,
    valid: Callable[[Any], bool] | None = None,
    load: Callable[[Any], Any] | None = None,
    dump: Callable[[Any], Any] | None = None,
    space: bool = False,
    internal: bool = False,
) -> Any:
    """A field with its stored ``key`` (default ``<namespace>.<field>``); ``valid`` also
    refuses a stored value of the right type (it then reads as the default); ``load`` and
    ``dump`` convert a type JSON does not have (``load`` raises ValueError to refuse).
    ``space``: in a space (``[[spaces]]``) the value is the space's, read and written at
    its first community (the rules, the managers' inbox). ``internal``: the feature's own
    bookkeeping, not a setting for managers: ``/settings`` never lists it (not even when
    its feature is disabled), and only the feature's code writes it."""
    metadata = {
        "key": key,
        "valid": valid,
        "load": load,
        "dump": dump,
        "space": space,
        "internal": internal,
    }
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    key: str
    default: Any
    load: Callable[[Any], Any]
    dump: Callable[[Any], Any]
    space: bool = False
    internal: bool = False


@dataclass(frozen=True, slots=True)
class Model:
    """How one settings class reads and writes its stored values."""

    owner: type[FeatureSettings]
    fields: tuple[_Field, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(field.key for field in self.fields)

    @property
    def space_keys(self) -> frozenset[str]:
        """The stored keys whose value a space shares."""
        return frozenset(field.key for field in self.fields if field.space)

    def read(self, stored: Mapping[str, Any]) -> FeatureSettings:
        values: dict[str, Any] = {}
        for field in self.fields:
            if field.key not in stored:
                continue
            try:
                values[field.name] = field.load(stored[field.key])
            except ValueError:
                continue  # the default
        return self.owner(**values)

    def changed(self, current: FeatureSettings) -> dict[str, Any]:
        """``{stored key: JSON value}`` of the fields of ``current`` that are not their
        default and not internal (what ``/settings`` lists)."""
        return {
            field.key: field.dump(getattr(current, field.name))
            for field in self.fields
            if not field.internal and getattr(current, field.name) != field.default
        }

    def dump(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """``{stored key: JSON value}`` for the given field values."""
        by_name = {field.name: field for field in self.fields}
        unknown = set(changes) - set(by_name)
        if unknown:
            raise TypeError(f"{self.owner.__name__} has no setting {', '.join(sorted(unknown))}")
        return {by_name[name].key: by_name[name].dump(value) for name, value in changes.items()}


_MODELS: dict[type[FeatureSettings], Model] = {}


def model(owner: type[FeatureSettings]) -> Model:
    found = _MODELS.get(owner)
    if found is None:
        found = _MODELS[owner] = _build(owner)
    return found


def read(owner: type[S], stored: Mapping[str, Any]) -> S:
    """The settings ``owner`` finds in a community's stored values (defaults elsewhere)."""
    result = model(owner).read(stored)
    assert isinstance(result, owner)
    return result


def internal_keys() -> frozenset[str]:
    """The stored keys of every internal field of every settings model defined (a
    disabled feature's too: its module is imported all the same)."""
    keys: set[str] = set()
    pending = list(FeatureSettings.__subclasses__())
    while pending:
        owner = pending.pop()
        pending.extend(owner.__subclasses__())
        if getattr(owner, "__dataclass_params__", None) is None:
            continue
        namespace = getattr(owner, "namespace", "")
        for field in dataclasses.fields(owner):  # type: ignore[arg-type]  # a dataclass
            if field.metadata.get("internal"):
                keys.add(field.metadata.get("key") or f"{namespace}.{field.name}")
    return frozenset(keys)


def _build(owner: type[FeatureSettings]) -> Model:
    name = owner.__name__
    params = getattr(owner, "__dataclass_params__", None)
    if not issubclass(owner, FeatureSettings) or params is None or not params.frozen:
        raise SettingsError(f"{name}: settings are a @dataclass(frozen=True) FeatureSettings")
    namespace = getattr(owner, "namespace", None)
    if not isinstance(namespace, str) or not namespace.isidentifier():
        raise SettingsError(f"{name}: namespace {namespace!r} must be a word")
    hints = typing.get_type_hints(owner)
    fields = []
    for field in dataclasses.fields(owner):  # type: ignore[arg-type]  # checked above
        if field.default is dataclasses.MISSING:
            raise SettingsError(f"{name}.{field.name}: every setting has a default")
        meta = field.metadata
        key = meta.get("key") or f"{namespace}.{field.name}"
        if len(key) > 64:
            raise SettingsError(f"{name}.{field.name}: key {key!r} is longer than 64")
        load = _loader(f"{name}.{field.name}", hints[field.name], meta.get("load"))
        valid = meta.get("valid")
        fields.append(
            _Field(
                field.name,
                key,
                field.default,
                _checked(load, valid) if valid is not None else load,
                meta.get("dump") or _dump,
                bool(meta.get("space")),
                bool(meta.get("internal")),
            )
        )
    return Model(owner, tuple(fields))


def _checked(load: Callable[[Any], Any], valid: Callable[[Any], bool]) -> Callable[[Any], Any]:
    def checked(raw: Any) -> Any:
        value = load(raw)
        if not valid(value):
            raise ValueError(raw)
        return value

    return checked


def _dump(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _loader(where: str, hint: Any, custom: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    """What turns a stored JSON value into the field's type, or raises ValueError."""
    if custom is not None:
        return custom
    optional = False
    if typing.get_origin(hint) in (Union, types.UnionType):
        members = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(members) != 1:
            raise SettingsError(f"{where}: a setting is one type, or one type | None")
        hint, optional = members[0], type(None) in typing.get_args(hint)
    inner = _plain(where, hint)
    if not optional:
        return inner
    return lambda raw: None if raw is None else inner(raw)


def _plain(where: str, hint: Any) -> Callable[[Any], Any]:
    hint = typing.get_origin(hint) or hint  # dict[str, Any]: a dict (its items unchecked)
    if isinstance(hint, type) and issubclass(hint, Enum):
        kind = hint

        def enum(raw: Any) -> Any:
            if not isinstance(raw, str):
                raise ValueError(raw)
            return kind(raw)

        return enum
    if hint in (bool, str, dict, list):
        return lambda raw: raw if type(raw) is hint else _refuse(raw)
    if hint is int:
        return lambda raw: raw if type(raw) is int else _refuse(raw)
    if hint is float:
        return lambda raw: float(raw) if type(raw) in (int, float) else _refuse(raw)
    raise SettingsError(f"{where}: {hint!r} is not a JSON type; give load= and dump=")


def _refuse(raw: Any) -> Any:
    raise ValueError(raw)


def check_all(models: Iterable[tuple[str, type[FeatureSettings]]]) -> None:
    """Refuse unusable models, and namespaces or keys claimed by two (``(owner, model)``)."""
    namespaces: dict[str, str] = {}
    keys: dict[str, str] = {}
    for owner, cls in models:
        built = model(cls)
        where = f"{owner}: {cls.__name__}"
        if namespaces.setdefault(cls.namespace, where) != where:
            raise SettingsError(
                f"settings namespace {cls.namespace!r} is claimed by "
                f"{namespaces[cls.namespace]} and {where}"
            )
        for key in built.keys:
            if keys.setdefault(key, where) != where:
                raise SettingsError(f"setting {key!r} is claimed by {keys[key]} and {where}")


# -- the community's language: one reader ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Language(FeatureSettings):
    """The bot's language in a community (``/lang``)."""

    namespace: ClassVar[str] = "language"
    locale: str | None = setting(None, key="locale")


@dataclass(frozen=True, slots=True)
class TimeZone(FeatureSettings):
    """The community's time zone (``/settings tz Europe/Rome``): how the times managers
    type (``tomorrow 19:00``, :mod:`core.when`) are read. None: UTC."""

    namespace: ClassVar[str] = "time"
    tz: str | None = setting(None, key="tz", valid=known_zone)


def language_of(stored: Mapping[str, Any], default_locale: str = DEFAULT_LANGUAGE) -> Translator:
    """Translations in the community's language (``/lang``), else ``default_locale``."""
    locale = read(Language, stored).locale
    return translator(default_locale if locale is None else locale)
