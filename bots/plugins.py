"""Which features run: the built-in ones, ``[features] plugins`` and the entry point group
``townsquare.features``, less ``[features] disable``.

A plugin is a :class:`~core.features.Feature` subclass, named ``package.module:Class`` in
the config or by an installed distribution's entry point (``karma =
"townsquare_karma:Karma"``), created without arguments. Its commands, event handlers and
jobs come with it like any feature's; a class attribute ``migrations`` naming a folder
of Alembic revisions (a branch of its own, ``down_revision = None`` and a
``branch_labels``) joins the migrations the runner applies (:mod:`storage.migrate`).

Whatever is wrong with a plugin is found before anything starts (``townsquare check`` and
``run`` alike) and reported as one ``(key, message)`` problem naming the plugin and the
fix, never a traceback: it cannot be imported, is not a Feature subclass, cannot be
created, declares its handlers wrongly, takes a feature name or a command another
feature has, or names a migrations folder that is missing or whose revision ids are
taken. ``disable`` naming no feature is a problem too (a typo would otherwise leave a
feature on). An entry point named in ``disable`` is not imported at all, so a broken
installed plugin can be switched off from the config.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from os import PathLike
from pathlib import Path

from townsquare.bots.config import FeaturesConfig
from townsquare.core.features import Feature
from townsquare.storage.migrate import VERSIONS, declared_revisions

ENTRY_POINT_GROUP = "townsquare.features"

Problem = tuple[str, str]


class FeaturesRefused(Exception):
    """The features cannot run as configured; ``problems`` are ``(key, message)``."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Source:
    """Where a plugin comes from, as the operator reads it in a problem."""

    key: str
    """``features.plugins[0]`` or ``features`` (entry points are not in the file)."""
    what: str
    """``plugin 'pkg.mod:Class'`` or ``entry point 'karma' (townsquare-karma 0.1.0)``."""
    remedy: str
    """How to take it out: remove it from ``plugins``, or disable the entry point."""


@dataclass(frozen=True, slots=True)
class Loaded:
    feature: Feature
    source: Source | None
    """None for a built-in feature."""


def installed_entry_points() -> list[metadata.EntryPoint]:
    return sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)


def assemble(
    builtin: Sequence[Feature],
    settings: FeaturesConfig,
    *,
    entry_points: Iterable[metadata.EntryPoint] | None = None,
) -> list[Feature]:
    """The features to run, in order (built-in, then ``plugins``, then entry points);
    raises :class:`FeaturesRefused` naming every problem."""
    problems: list[Problem] = []
    disabled = set(settings.disable)
    loaded = [Loaded(feature, None) for feature in builtin]
    classes: set[type[Feature]] = {type(feature) for feature in builtin}
    found_entry_points = installed_entry_points() if entry_points is None else entry_points
    candidates: list[tuple[Source, str, metadata.EntryPoint | None]] = [
        (
            Source(f"features.plugins[{index}]", f"plugin {path!r}", "or remove it from plugins"),
            path,
            None,
        )
        for index, path in enumerate(settings.plugins)
    ]
    skipped: set[str] = set()
    for point in found_entry_points:
        if point.name in disabled:
            skipped.add(point.name)
            continue
        candidates.append((_entry_source(point), point.value, point))
    for source, path, entry in candidates:
        cls = _load_class(source, path, entry, problems)
        if cls is None or cls in classes:
            continue  # a class named twice (in plugins and by its entry point) runs once
        classes.add(cls)
        if cls.name == Feature.name:
            problems.append(
                (
                    source.key,
                    f"{source.what}: {cls.__name__} has no name of its own (set "
                    f'name = "..." on the class: what [features] disable names)',
                )
            )
            continue
        try:
            feature = cls()
        except Exception as error:
            problems.append(
                (
                    source.key,
                    f"{source.what}: {cls.__name__}() failed: {_one_line(error)} "
                    f"(fix the plugin, {source.remedy})",
                )
            )
            continue
        loaded.append(Loaded(feature, source))
    problems += _names(loaded, skipped, settings.disable)
    running = [item for item in loaded if item.feature.name not in disabled]
    problems += _registrations(running)
    problems += _migrations(running)
    if not problems:
        problems += _together(running)
    if problems:
        raise FeaturesRefused(problems)
    return [item.feature for item in running]


def migration_folders(features: Sequence[Feature]) -> list[Path]:
    """The versions folders of the features that declare one, in feature order."""
    folders: list[Path] = []
    for feature in features:
        folder = _folder(feature)
        if folder is not None and folder not in folders:
            folders.append(folder)
    return folders


def _entry_source(entry: metadata.EntryPoint) -> Source:
    dist = entry.dist
    origin = f" ({dist.name} {dist.version})" if dist is not None else ""
    return Source(
        "features",
        f"entry point {entry.name!r}{origin} of {ENTRY_POINT_GROUP}",
        f'or add "{entry.name}" to [features] disable',
    )


def _load_class(
    source: Source,
    path: str,
    entry: metadata.EntryPoint | None,
    problems: list[Problem],
) -> type[Feature] | None:
    module_name, colon, attribute = path.partition(":")
    if not colon or not module_name or not attribute or " " in path:
        problems.append(
            (
                source.key,
                f"{source.what}: write it as package.module:Class, e.g. my_package.features:Karma",
            )
        )
        return None
    try:
        if entry is not None:
            found: object = entry.load()
        else:
            found = importlib.import_module(module_name)
            for part in attribute.split("."):
                found = getattr(found, part)
    except ModuleNotFoundError as error:
        problems.append(
            (
                source.key,
                f"{source.what} cannot be imported: no module named {error.name!r} "
                f"(pip install the package that provides it, {source.remedy})",
            )
        )
        return None
    except AttributeError:
        problems.append(
            (
                source.key,
                f"{source.what}: {module_name} has no {attribute} "
                f"(check the spelling, {source.remedy})",
            )
        )
        return None
    except Exception as error:
        problems.append(
            (
                source.key,
                f"{source.what} cannot be imported: {type(error).__name__}: "
                f"{_one_line(error)} (fix the plugin, {source.remedy})",
            )
        )
        return None
    if not (isinstance(found, type) and issubclass(found, Feature)) or found is Feature:
        problems.append(
            (
                source.key,
                f"{source.what} is not a Feature subclass (name a class that "
                f"derives from townsquare.Feature, {source.remedy})",
            )
        )
        return None
    return found


def _names(loaded: Sequence[Loaded], known_off: set[str], disable: Sequence[str]) -> list[Problem]:
    problems: list[Problem] = []
    owners: dict[str, Loaded] = {}
    for item in loaded:
        name = item.feature.name
        other = owners.get(name)
        if other is None:
            owners[name] = item
            continue
        source = item.source
        assert source is not None  # built-in names are unique
        problems.append(
            (
                source.key,
                f"{source.what}: the feature name {name!r} is taken by "
                f"{_described(other)} (give the plugin's feature another name, {source.remedy})",
            )
        )
    names = sorted(owners)
    for index, name in enumerate(disable):
        if name in owners or name in known_off:
            continue
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(names)}"
        problems.append((f"features.disable[{index}]", f"no feature is named {name!r} ({hint})"))
    return problems


def _registrations(running: Sequence[Loaded]) -> list[Problem]:
    """Handlers declared wrongly, and commands two features claim (built-in ones first,
    so the plugin that came later is the one named)."""
    problems: list[Problem] = []
    commands: dict[str, Loaded] = {}
    for item in running:
        try:
            specs = [spec for spec, _handler in item.feature.command_handlers()]
            item.feature.event_handlers()
            item.feature.job_handlers()
            item.feature.fact_handlers()
        except Exception as error:
            problems.append(_blame(item, f"declares its handlers wrongly: {_one_line(error)}"))
            continue
        for spec in specs:
            other = commands.get(spec.name)
            if other is None:
                commands[spec.name] = item
                continue
            problems.append(
                _blame(
                    item,
                    f"its command /{spec.name} is already {_described(other)}'s "
                    "(rename the command, or disable one of the two features)",
                )
            )
    return problems


def _together(running: Sequence[Loaded]) -> list[Problem]:
    """What only the features together can refuse: button prefixes, settings namespaces
    and keys two features claim (checked where the dispatcher registers them)."""
    from townsquare.core.dispatcher import Dispatcher

    try:
        Dispatcher([item.feature for item in running], bots={})
    except ValueError as error:
        return [("features", f"{_one_line(error)} (rename it in the plugin, or disable one)")]
    return []


def _migrations(running: Sequence[Loaded]) -> list[Problem]:
    problems: list[Problem] = []
    declared = declared_revisions(VERSIONS) or {}
    owners: dict[str, str] = dict.fromkeys(declared, "townsquare's own migrations")
    for item in running:
        raw = getattr(type(item.feature), "migrations", None)
        if raw is None:
            continue
        if not isinstance(raw, str | PathLike):
            problems.append(_blame(item, "migrations must be a folder's path (a Path or str)"))
            continue
        folder = Path(raw)
        if not folder.is_dir():
            problems.append(
                _blame(
                    item,
                    f"its migrations folder {folder} does not exist (is it "
                    "shipped with the package? check package data)",
                )
            )
            continue
        revisions = declared_revisions(folder) or {}
        for revision in sorted(revisions):
            taken = owners.get(revision)
            if taken is not None:
                problems.append(
                    _blame(
                        item,
                        f"its migration revision {revision!r} is also in {taken} "
                        "(give the plugin's revisions ids of their own)",
                    )
                )
            owners[revision] = f"the migrations of feature {item.feature.name!r}"
    return problems


def _folder(feature: Feature) -> Path | None:
    raw = getattr(type(feature), "migrations", None)
    return Path(raw) if isinstance(raw, str | PathLike) else None


def _blame(item: Loaded, message: str) -> Problem:
    source = item.source
    if source is None:
        return ("features", f"built-in feature {item.feature.name!r}: {message}")
    return (source.key, f"{source.what}: {message}")


def _described(item: Loaded) -> str:
    if item.source is None:
        return f"the built-in feature {item.feature.name!r}"
    return f"{item.source.what} (feature {item.feature.name!r})"


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
