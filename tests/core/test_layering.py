"""The dependency arrows, read off every module of the tree (a new module is covered the
day it is added): ``bots -> adapters, storage, web -> core``; core imports no messenger
SDK and no SQL; adapters never import storage nor each other; features never import
each other, and the framework imports no feature."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "adapters", "storage", "migrations", "web", "bots")

SDKS = frozenset({"aiogram", "telegram", "discord", "slack_bolt", "slack_sdk"})
SQL = frozenset({"sqlalchemy", "aiosqlite", "asyncpg", "alembic"})

MAY_IMPORT: dict[str, frozenset[str]] = {
    "core": frozenset({"core"}),
    "adapters": frozenset({"core", "adapters"}),
    "storage": frozenset({"core", "storage"}),
    "migrations": frozenset({"storage", "migrations"}),
    # The health endpoints read the config's bots (bots.config) and check their tokens.
    "web": frozenset({"core", "storage", "web", "bots.config", "bots.checks"}),
    "bots": frozenset(PACKAGES),
}
"""Which of the project's packages each package's modules may import."""

NO_THIRD_PARTY: dict[str, frozenset[str]] = {
    "core": SDKS | SQL,
    "adapters": SQL,
    "storage": SDKS,
    "migrations": SDKS,
    "web": SDKS,
}


def _modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def _raw_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _imports(path: Path) -> set[str]:
    """The project's modules named without the ``townsquare.`` prefix; others as they are."""
    return {name.removeprefix("townsquare.") for name in _raw_imports(path)}


def _allowed(target: str, allowed: frozenset[str]) -> bool:
    return any(target == a or target.startswith(a + ".") for a in allowed)


def _feature_packages() -> set[str]:
    return {p.parent.name for p in (ROOT / "core").glob("*/feature.py")}


def test_the_tree_has_the_packages_the_layout_names() -> None:
    modules = dict(_modules())
    assert len(modules) > 100
    for package in PACKAGES:
        assert any(m.startswith(package + ".") for m in modules), package
    assert _feature_packages() >= {"escalation", "faq", "onboarding", "polls"}


def test_the_installed_package_maps_every_folder() -> None:
    package = ROOT / "townsquare"
    for name in PACKAGES:
        assert (package / name).resolve() == (ROOT / name).resolve(), name


def test_nothing_imports_the_folders_by_their_bare_names() -> None:
    ours = set(PACKAGES)
    paths = [path for _module, path in _modules()]
    paths += sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "benchmarks").rglob("*.py"))
    paths += [*sorted((ROOT / "examples").rglob("*.py")), ROOT / "townsquare" / "__init__.py"]
    wrong = [
        f"{path.relative_to(ROOT)} imports {target}"
        for path in paths
        for target in sorted(_raw_imports(path))
        if target.split(".")[0] in ours
    ]
    assert wrong == []


def test_every_module_imports_only_what_its_layer_may() -> None:
    ours = set(PACKAGES)
    wrong: list[str] = []
    for module, path in _modules():
        layer = module.split(".")[0]
        for target in sorted(_imports(path)):
            top = target.split(".")[0]
            if top in ours and not _allowed(target, MAY_IMPORT[layer]):
                wrong.append(f"{module} imports {target}")
            if top in NO_THIRD_PARTY.get(layer, frozenset()):
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_adapters_never_import_each_other() -> None:
    shared = {"adapters", "adapters.common_config"}
    wrong = []
    for module, path in _modules():
        parts = module.split(".")
        if parts[0] != "adapters" or len(parts) < 3:
            continue
        for target in _imports(path):
            other = target.split(".")
            if other[0] == "adapters" and target not in shared and other[1] != parts[1]:
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_features_never_import_each_other_and_the_framework_no_feature() -> None:
    features = _feature_packages()
    wrong = []
    for module, path in _modules():
        parts = module.split(".")
        if parts[0] != "core":
            continue
        own = parts[1] if len(parts) > 1 and parts[1] in features else None
        for target in _imports(path):
            other = target.split(".")
            if other[0] == "core" and len(other) > 1 and other[1] in features and other[1] != own:
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_importing_all_of_core_loads_no_sdk_and_no_sql() -> None:
    """At run time too (an import hidden in a dependency would not show in the source)."""
    modules = [module for module, _path in _modules() if module.startswith("core.")]
    forbidden = sorted(SDKS | SQL)
    program = (
        "import sys\n"
        + "".join(f"import townsquare.{module}\n" for module in modules)
        + f"print(sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"
