"""``townsquare db current`` and ``db upgrade``.

``current`` only reads: it never creates a SQLite file (a service pointed at the wrong
folder would otherwise start on an empty database) and exits 1 when the schema is behind,
so a deployment script can run ``db current || db upgrade``. ``upgrade`` lists the
revisions it applied.
"""

from __future__ import annotations

import os
import sys

from townsquare.bots.config import Config, sqlite_path
from townsquare.bots.plugins import migration_folders
from townsquare.bots.runtime import configured_features
from townsquare.storage.database import create_engine, describe_connection_error
from townsquare.storage.migrate import (
    Locations,
    current_revisions,
    head_revisions,
    missing_revisions,
    revision_lines,
)


def _failed(config_path: str, url: str, error: Exception) -> int:
    reason = describe_connection_error(error, url)
    if reason is None:
        raise error
    print(f"{config_path}: storage.url: {reason}", file=sys.stderr)
    return 2


async def db_command(command: str, config: Config, config_path: str) -> int:
    url = config.storage.url
    file = sqlite_path(url)
    if command == "current" and file is not None and not os.path.exists(file):  # noqa: ASYNC240
        print(
            f"no database at {file} yet (`townsquare db upgrade {config_path}` or "
            "`townsquare run` creates it)"
        )
        return 1
    # The plugins' migration branches too (a broken plugin is refused by the caller).
    locations = migration_folders(configured_features(config))
    engine = create_engine(url, connect_args={"timeout": 10})
    try:
        try:
            before = await current_revisions(engine)
            if command == "current":
                return _current(before, config_path, locations)
            applied = missing_revisions(before, locations)
            if applied:
                from townsquare.storage.migrate import upgrade

                await upgrade(engine, locations=locations)
        except Exception as error:
            return _failed(config_path, url, error)
    finally:
        await engine.dispose()
    heads = ", ".join(sorted(head_revisions(locations)))
    if not applied:
        print(f"already current at revision {heads}; nothing changed")
        return 0
    print(f"upgraded to revision {heads}; applied {len(applied)} revision(s):")
    for line in revision_lines(applied, locations):
        print(f"  {line}")
    return 0


def _current(current: frozenset[str], config_path: str, locations: Locations) -> int:
    at = ", ".join(sorted(current)) or "empty"
    missing = missing_revisions(current, locations)
    if not missing:
        print(f"{at} (current)")
        return 0
    print(
        f"{at} (behind: {len(missing)} revision(s) to apply: {', '.join(sorted(missing))}; "
        f"run `townsquare db upgrade {config_path}`)"
    )
    return 1
