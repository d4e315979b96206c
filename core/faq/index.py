"""Per-community FAQ indexes in memory, kept in step with the database.

An index is built lazily the first time a community needs it and then patched, never
rebuilt per message. Its state is labelled with the community's :class:`Revision`
(number + random token). Before each use the caller's transaction reads the current
revision (one primary-key lookup) and:

* same revision → use the index as it is;
* a later number, and the database's recent history still holds our revision with our
  token → load only the entries written after our number (their rows carry the revision
  that wrote them) and patch them in;
* anything else (a rollback, or a change too far back) → rebuild from the rows.

Why this is correct with transactions that roll back: the index may be patched from rows
the current transaction wrote but has not committed yet (a ``/faq add`` followed by a
question in the same batch sees its entry). If that transaction rolls back, the database
no longer has our (number, token): either the number went back, or another writer reused
the number with another token, and the next check rebuilds. The token is what makes a
reused number harmless. Patching is idempotent (upsert by id, remove by id), so rows read
a little newer than the revision read before them are simply patched again.

With several processes on PostgreSQL, writers serialise on the revision row
(``SELECT ... FOR UPDATE``) and each process patches in the others' changes from the rows
on its next use, so no process ever answers from a stale index.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from townsquare.core.faq.store import Entry, FaqStore, Revision
from townsquare.core.matching.matcher import Document, Match, Matcher, MatcherFactory
from townsquare.core.refs import CommunityRef


@dataclass
class CommunityIndex:
    revision: Revision
    matcher: Matcher
    entries: dict[int, Entry] = field(default_factory=dict)

    def apply(self, entry: Entry) -> None:
        if entry.removed:
            self.entries.pop(entry.id, None)
            self.matcher.remove(entry.id)
            return
        known = self.entries.get(entry.id)
        self.entries[entry.id] = entry
        if known is None or known.question != entry.question:
            self.matcher.upsert(Document(entry.id, entry.question))

    def load(self, entries: list[Entry]) -> None:
        """Fill an empty index at once (the matcher indexes the questions in batches)."""
        live = [entry for entry in entries if not entry.removed]
        self.entries.update((entry.id, entry) for entry in live)
        self.matcher.upsert_many([Document(entry.id, entry.question) for entry in live])

    def search(self, query: str, limit: int = 3) -> list[tuple[Entry, float]]:
        found: list[Match] = self.matcher.search(query, limit)
        return [(self.entries[m.id], m.score) for m in found if m.id in self.entries]


@dataclass
class IndexStats:
    builds: int = 0
    patches: int = 0
    hits: int = 0
    build_seconds: float = 0.0


class Indexes:
    """The indexes of every community this process serves."""

    def __init__(self, factory: MatcherFactory) -> None:
        self.factory = factory
        self.stats = IndexStats()
        self._items: dict[tuple[str, str], CommunityIndex] = {}

    def cached(self, community: CommunityRef) -> CommunityIndex | None:
        return self._items.get((community.platform, community.id))

    async def get(self, store: FaqStore, community: CommunityRef, language: str) -> CommunityIndex:
        key = (community.platform, community.id)
        current = await store.revision(community)
        index = self._items.get(key)
        if index is not None and index.revision == current:
            self.stats.hits += 1
            return index
        if index is not None and current.number > index.revision.number:
            history = await store.history(community)
            if history.get(index.revision.number) == index.revision.token:
                for entry in await store.changed_since(community, index.revision.number):
                    index.apply(entry)
                index.revision = current
                self.stats.patches += 1
                return index
        started = time.perf_counter()
        index = CommunityIndex(current, self.factory(language))
        index.load(await store.entries(community))
        self._items[key] = index
        self.stats.builds += 1
        self.stats.build_seconds += time.perf_counter() - started
        return index
