"""Finding ideas like a new one: one in-memory index per scope, with the FAQ's matcher.

Each scope's ideas are indexed by :class:`core.matching.LexicalMatcher` (BM25 over the
multilingual normalised terms, with typo and Russian-root expansion, then a two-sided
coverage confidence), so "dark theme please" finds "a dark mode for the app" and
"тёмная тема" finds "темную тему". Ideas are never edited or deleted, so keeping an index
current is reading the scope's ideas with an id above the highest one it holds: one
indexed range read before each search, which also brings in what other processes filed.

That highest id is confirmed only once the transaction that read it commits (a rolled-back
idea's id may be used again by SQLite): until then the next search reads from the last
confirmed id again, and re-indexing an id replaces what the index had for it. With several
processes on PostgreSQL, ideas may commit out of id order (#11 visible before #10), so each
read also goes back :data:`RECHECK` ids behind the confirmed one: re-reading a known idea
changes nothing, and a late one is indexed. Statuses are not indexed: the caller reads the
found ideas from the database and keeps the open ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from townsquare.core.feedback.store import FeedbackStore
from townsquare.core.matching import Document, LexicalMatcher, Match, Matcher

RECHECK = 100
"""Ids behind the highest indexed one read again, for ideas committed out of id order."""
MAX_QUERY_CHARS = 400
"""Only the start of a long idea is compared: it says what the idea is about, and a
query's cost grows with its number of terms."""


@dataclass
class ScopeIndex:
    matcher: Matcher
    confirmed: int = 0
    """The highest idea id read in a committed transaction."""
    seen: int = 0
    """The highest idea id indexed (may be ahead of :attr:`confirmed` until commit)."""
    texts: dict[int, str] = field(default_factory=dict)

    def add(self, idea_id: int, text: str) -> None:
        if self.texts.get(idea_id) != text:
            self.texts[idea_id] = text
            self.matcher.upsert(Document(idea_id, text[:MAX_QUERY_CHARS]))
        self.seen = max(self.seen, idea_id)

    def search(self, text: str, limit: int) -> list[Match]:
        return self.matcher.search(text[:MAX_QUERY_CHARS], limit)


class SimilarIdeas:
    """The indexes of every scope this process serves."""

    def __init__(self, factory: Callable[[str], Matcher] = LexicalMatcher) -> None:
        self.factory = factory
        self._items: dict[str, ScopeIndex] = {}

    async def current(
        self,
        store: FeedbackStore,
        scope: str,
        language: str,
        after_commit: Callable[[Callable[[], None]], None],
    ) -> ScopeIndex:
        index = self._items.get(scope)
        if index is None:
            index = self._items[scope] = ScopeIndex(self.factory(language))
        rows = await store.texts_since(scope, max(0, index.confirmed - RECHECK))
        for idea_id, text in rows:
            index.add(idea_id, text)
        if rows:
            newest = max(idea_id for idea_id, _text in rows)

            def confirm() -> None:
                index.confirmed = max(index.confirmed, newest)

            after_commit(confirm)
        return index
