"""The texts that earned XP lately, kept in memory per scope, so that a copy of one earns
nothing (:data:`core.rewards.rules.Miss.COPIED`) without a read per message.

A member's own last earning text is in their wallet (a repeat is checked against it in
the database); copies of other members' texts are checked here, against every text that
earned in this process in the last :data:`MEMORY` (at most :data:`PER_SCOPE` a scope).
It is a filter against farming, not a record: after a restart, or in another process of
a deployment with several, a copy of a text that earned before may earn once (the
cooldown still caps what anyone earns). What a transaction adds is seen by the rest of
it at once, and by others only once it commits.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

MEMORY = timedelta(hours=24)
PER_SCOPE = 20_000


class RecentTexts:
    def __init__(self) -> None:
        self._kept: dict[str, OrderedDict[str, tuple[int, datetime]]] = {}
        self._pending: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], int]] = (
            weakref.WeakKeyDictionary()
        )

    def owner(self, tx: Any, scope: str, digest: str, now: datetime) -> int | None:
        """The person whose earning message had this text lately, if any."""
        pending = self._pending.get(tx)
        if pending is not None and (scope, digest) in pending:
            return pending[(scope, digest)]
        kept = self._kept.get(scope)
        found = kept.get(digest) if kept is not None else None
        if found is None or now - found[1] > MEMORY:
            return None
        return found[0]

    def add(self, tx: Any, scope: str, digest: str, person: int) -> None:
        """Remember a text that earned, for the rest of ``tx`` now (:meth:`commit` it)."""
        pending = self._pending.get(tx)
        if pending is None:
            pending = self._pending[tx] = {}
        pending[(scope, digest)] = person

    def commit(self, scope: str, digest: str, person: int, at: datetime) -> None:
        """Keep a text whose grant committed (oldest forgotten past the bounds)."""
        kept = self._kept.setdefault(scope, OrderedDict())
        kept.pop(digest, None)
        kept[digest] = (person, at)
        while kept and (len(kept) > PER_SCOPE or at - next(iter(kept.values()))[1] > MEMORY):
            kept.popitem(last=False)
