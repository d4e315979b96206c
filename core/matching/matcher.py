"""Finding the entry a question means: the :class:`Matcher` interface and its lexical
implementation.

Every matcher answers ``search(query) -> [Match(id, score)]`` with ``score`` a confidence in
``[0, 1]``, so the feature's thresholds (answer, show three choices, auto-answer) mean the
same thing whatever the matcher. :class:`LexicalMatcher` is the default; a semantic
matcher built on an embedding model (:mod:`core.faq.semantic`) plugs in behind the same
interface.

:class:`LexicalMatcher` works in two stages:

1. **Retrieval** with Okapi BM25 over the normalised terms (:func:`core.matching.text.terms`)
   of each entry's question, from an inverted index updated per entry (no rebuilds).
   Each term's postings are kept as numpy arrays (rows, BM25 weights) until the index
   next changes, so scoring is one vector addition per query term, not one Python step
   per posting (p99 at 10,000 entries: 1.96 ms summed per posting, see ``benchmarks``). Each
   query term is *expanded* before lookup: to itself; to known terms within a typo
   (rapidfuzz ``ratio`` ≥ 80, for words the index does not know); and, for Russian, to
   terms that share the root once a verbal prefix is removed (``смен`` ~ ``поменя``).
   Expansions count with a weight below 1 and a query term contributes at most once.
2. **Confidence** for the best candidates: the IDF-weighted share of the question's terms
   that the entry covers (Q) and of the entry's terms that the question covers (D),
   combined as ``2QD / (Q + D)``. Both sides matter: "password?" covers little of "How do
   I reset my password?" and gets a middling score; an unrelated word in the question
   lowers it too. Candidates are ranked by confidence, then by BM25.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from townsquare.core.matching.text import russian_root, terms

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


@cache
def _rapidfuzz() -> tuple[Callable[..., Any], Callable[..., float]]:
    """rapidfuzz's ``process.extract`` and ``fuzz.ratio``, imported on the first typo
    lookup (like numpy: about 5 MiB that a bot whose members ask nothing never needs)."""
    from rapidfuzz import fuzz, process

    return process.extract, fuzz.ratio


def _numpy() -> Any:
    """numpy, imported on the first search: a bot whose communities have no FAQ entries
    never pays its ~19 MiB."""
    import numpy

    return numpy


@dataclass(frozen=True, slots=True)
class Document:
    """What a matcher indexes: an entry id and its question text."""

    id: int
    text: str


@dataclass(frozen=True, slots=True)
class Match:
    id: int
    score: float
    """Confidence in [0, 1]."""


class Matcher(Protocol):
    """An index of one community's questions. Updates are per document; ``upsert`` of a
    known id replaces it. Implementations need not be thread-safe (one event loop)."""

    def upsert(self, document: Document) -> None: ...

    def upsert_many(self, documents: Sequence[Document]) -> None:
        """Index a community's questions at once (building its index): a model encodes
        them in batches, which is many times faster than one call per question."""
        ...

    def remove(self, document_id: int) -> None: ...

    def search(self, query: str, limit: int = 3) -> list[Match]:
        """The best matches, best first, each with a confidence in [0, 1]."""
        ...

    def __len__(self) -> int: ...


MatcherFactory = Callable[[str], Matcher]
"""Makes an empty matcher for a community, given its language (``en``, ``it``, ``ru``)."""


@dataclass(slots=True)
class _Doc:
    counts: Counter[str]
    length: int


class _Bucket:
    """Known terms of one length, as a list rapidfuzz can scan (O(1) add and remove)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.position: dict[str, int] = {}

    def add(self, term: str) -> None:
        if term not in self.position:
            self.position[term] = len(self.items)
            self.items.append(term)

    def discard(self, term: str) -> None:
        index = self.position.pop(term, None)
        if index is None:
            return
        last = self.items.pop()
        if index < len(self.items):
            self.items[index] = last
            self.position[last] = index


class LexicalMatcher:
    """BM25 retrieval with typo and root expansion, then a two-sided coverage confidence."""

    K1 = 1.2
    B = 0.75
    TYPO_CUTOFF = 80.0
    """rapidfuzz ``ratio`` a misspelt word needs to reach a known one."""
    TYPO_WEIGHT = 0.9
    ROOT_WEIGHT = 0.7
    MIN_TYPO_LENGTH = 4
    CANDIDATES = 20

    def __init__(self, language: str = "en") -> None:
        self.language = language
        self._docs: dict[int, _Doc] = {}
        self._postings: dict[str, dict[int, int]] = {}
        self._total_length = 0
        self._by_length: dict[int, _Bucket] = {}
        self._roots: dict[str, set[str]] = {}
        """Root -> known terms with exactly that root."""
        self._root_prefixes: dict[str, set[str]] = {}
        """Root prefix (the root less up to two letters) -> known terms, to find roots
        that extend a query's root."""
        self._row: dict[int, int] = {}
        """Document id -> its row in the score arrays."""
        self._ids: list[int] = []
        """Row -> document id (``-1``: a free row, reused by the next new document)."""
        self._free: list[int] = []
        self._version = 0
        self._impacts_version = 0
        self._impact_cache: dict[str, tuple[NDArray[np.intp], NDArray[np.float64]]] = {}
        self._idf_cache: dict[str, float] = {}
        self._doc_totals: dict[int, float] = {}

    def __len__(self) -> int:
        return len(self._docs)

    # -- updates ------------------------------------------------------------------------

    def upsert(self, document: Document) -> None:
        self.remove(document.id)
        self._version += 1
        found = terms(document.text, self.language)
        counts = Counter(found)
        self._docs[document.id] = _Doc(counts, len(found))
        self._total_length += len(found)
        if self._free:
            row = self._free.pop()
            self._ids[row] = document.id
        else:
            row = len(self._ids)
            self._ids.append(document.id)
        self._row[document.id] = row
        for term, count in counts.items():
            postings = self._postings.get(term)
            if postings is None:
                postings = self._postings[term] = {}
                self._vocabulary_add(term)
            postings[document.id] = count

    def upsert_many(self, documents: Sequence[Document]) -> None:
        for document in documents:
            self.upsert(document)

    def remove(self, document_id: int) -> None:
        doc = self._docs.pop(document_id, None)
        if doc is None:
            return
        self._version += 1
        self._total_length -= doc.length
        row = self._row.pop(document_id)
        self._ids[row] = -1
        self._free.append(row)
        for term in doc.counts:
            postings = self._postings[term]
            postings.pop(document_id, None)
            if not postings:
                del self._postings[term]
                self._vocabulary_discard(term)

    def _vocabulary_add(self, term: str) -> None:
        self._by_length.setdefault(len(term), _Bucket()).add(term)
        root = _root(term)
        if root is not None:
            self._roots.setdefault(root, set()).add(term)
            for key in _root_keys(root):
                self._root_prefixes.setdefault(key, set()).add(term)

    def _vocabulary_discard(self, term: str) -> None:
        bucket = self._by_length.get(len(term))
        if bucket is not None:
            bucket.discard(term)
        root = _root(term)
        if root is not None:
            _discard(self._roots, root, term)
            for key in _root_keys(root):
                _discard(self._root_prefixes, key, term)

    # -- search -------------------------------------------------------------------------

    def _idf(self, df: int) -> float:
        total = len(self._docs)
        return math.log(1.0 + (total - df + 0.5) / (df + 0.5))

    def expand(self, term: str) -> dict[str, float]:
        """Known terms standing for ``term``, with the weight each match counts."""
        found: dict[str, float] = {}
        if term in self._postings:
            found[term] = 1.0
        elif len(term) >= self.MIN_TYPO_LENGTH:
            for length in range(len(term) - 2, len(term) + 3):
                bucket = self._by_length.get(length)
                if bucket is None or not bucket.items:
                    continue
                extract, ratio = _rapidfuzz()
                for choice, score, _index in extract(
                    term, bucket.items, scorer=ratio, score_cutoff=self.TYPO_CUTOFF, limit=3
                ):
                    weight = self.TYPO_WEIGHT * score / 100.0
                    if weight > found.get(choice, 0.0):
                        found[choice] = weight
        root = _root(term)
        if root is not None:
            related = set(self._root_prefixes.get(root, ()))
            for size in range(max(3, len(root) - 2), len(root)):
                related |= self._roots.get(root[:size], set())
            for other in related:
                if other != term and found.get(other, 0.0) < self.ROOT_WEIGHT:
                    found[other] = self.ROOT_WEIGHT
        return found

    def _fresh(self) -> None:
        """Drop the weights derived from the index once it changed."""
        if self._version != self._impacts_version:
            self._impact_cache.clear()
            self._idf_cache.clear()
            self._doc_totals.clear()
            self._impacts_version = self._version

    def _term_idf(self, term: str) -> float:
        """IDF of a known term (call :meth:`_fresh` first)."""
        cached = self._idf_cache.get(term)
        if cached is None:
            cached = self._idf_cache[term] = self._idf(len(self._postings[term]))
        return cached

    def _doc_total(self, doc_id: int, doc: _Doc) -> float:
        """IDF summed over a document's terms (call :meth:`_fresh` first)."""
        cached = self._doc_totals.get(doc_id)
        if cached is None:
            idf = self._term_idf
            cached = self._doc_totals[doc_id] = sum(idf(term) for term in doc.counts)
        return cached

    def _impacts(self, term: str) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """Rows of the documents containing ``term`` and its BM25 weight in each, as
        arrays. Cached until the next update: questions are asked far more often than
        entries change, and the cached arrays turn scoring into one vector addition per
        query term."""
        self._fresh()
        cached = self._impact_cache.get(term)
        if cached is None:
            xp = _numpy()
            k1, b = self.K1, self.B
            average = self._total_length / len(self._docs) or 1.0
            postings = self._postings[term]
            count = len(postings)
            rows = xp.fromiter((self._row[doc_id] for doc_id in postings), xp.intp, count)
            tf = xp.fromiter(postings.values(), xp.float64, count)
            docs = self._docs
            lengths = xp.fromiter((docs[doc_id].length for doc_id in postings), xp.float64, count)
            factor = self._idf(count) * (k1 + 1.0)
            cached = (rows, factor * tf / (tf + k1 * (1.0 - b + b * lengths / average)))
            self._impact_cache[term] = cached
        return cached

    def _retrieve(self, expansions: dict[str, dict[str, float]]) -> NDArray[np.float64]:
        """BM25 of every row (0 for documents sharing no term with the query); a query
        term counts once per document, by its best expansion."""
        xp = _numpy()
        scores: NDArray[np.float64] = xp.zeros(len(self._ids))
        for found in expansions.values():
            if len(found) == 1:
                ((known, weight),) = found.items()
                rows, impacts = self._impacts(known)
                scores[rows] += impacts if weight == 1.0 else weight * impacts
                continue
            best = xp.zeros(len(self._ids))
            for known, weight in found.items():
                rows, impacts = self._impacts(known)
                best[rows] = xp.maximum(best[rows], weight * impacts)
            scores += best
        return scores

    def _candidates(self, scores: NDArray[np.float64]) -> list[tuple[int, float]]:
        """The documents with the best BM25 (at most :attr:`CANDIDATES`), best first."""
        xp = _numpy()
        touched = xp.flatnonzero(scores)
        if len(touched) > self.CANDIDATES:
            best = xp.argpartition(-scores[touched], self.CANDIDATES - 1)[: self.CANDIDATES]
            touched = touched[best]
        ids = self._ids
        found = [(ids[row], float(scores[row])) for row in touched.tolist()]
        found.sort(key=lambda item: (-item[1], item[0]))
        return found

    def search(self, query: str, limit: int = 3) -> list[Match]:
        if not self._docs:
            return []
        wanted = list(dict.fromkeys(terms(query, self.language)))
        if not wanted:
            return []
        expansions = {term: self.expand(term) for term in wanted}
        candidates = self._candidates(self._retrieve(expansions))
        if not candidates:
            return []
        self._fresh()
        idf = self._term_idf
        unknown = self._idf(0)
        query_weight = {
            term: max((idf(known) for known in found), default=unknown)
            for term, found in expansions.items()
        }
        query_total = sum(query_weight.values())
        plan = [(query_weight[term], tuple(found.items())) for term, found in expansions.items()]
        ranked: list[tuple[float, float, int]] = []
        docs = self._docs
        for doc_id, retrieval in candidates:
            doc = docs[doc_id]
            counts = doc.counts
            covered: dict[str, float] = {}
            query_part = 0.0
            for term_weight, found in plan:
                best_weight = 0.0
                for known, weight in found:
                    if known in counts:
                        if weight > best_weight:
                            best_weight = weight
                        if weight > covered.get(known, 0.0):
                            covered[known] = weight
                query_part += term_weight * best_weight
            doc_total = self._doc_total(doc_id, doc)
            doc_part = sum(idf(term) * weight for term, weight in covered.items())
            q = query_part / query_total if query_total else 0.0
            d = doc_part / doc_total if doc_total else 0.0
            confidence = 2 * q * d / (q + d) if q + d else 0.0
            ranked.append((confidence, retrieval, doc_id))
        ranked.sort(key=lambda item: (-item[0], -item[1], item[2]))
        return [Match(doc_id, round(score, 4)) for score, _bm25, doc_id in ranked[:limit] if score]


def _root(term: str) -> str | None:
    """A Cyrillic term's root (prefix removed, or the term itself); None otherwise."""
    if not term or not "а" <= term[0] <= "я" or len(term) < 3:
        return None
    return russian_root(term) or term


def _root_keys(root: str) -> list[str]:
    return [root[:size] for size in range(max(3, len(root) - 2), len(root) + 1)]


def _discard(index: dict[str, set[str]], key: str, term: str) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(term)
        if not members:
            del index[key]
