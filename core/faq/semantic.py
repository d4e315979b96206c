"""An optional semantic matcher: any sentence-embedding model behind :class:`Matcher`.

townsquare ships no model (they are hundreds of megabytes and the lexical matcher meets the
common paraphrases). Operators switch one on in the config, after
``pip install 'townsquare[semantic]'`` (sentence-transformers)::

    [faq]
    embedding_model = "paraphrase-multilingual-MiniLM-L12-v2"   # or a local folder

and :mod:`bots.semantic` hands the feature ``hybrid(model.encode)``. In code, any encode
function works: ``Faq(store=SqlFaqStore, matcher=hybrid(embed))``.

:func:`hybrid` keeps the lexical matcher (typos, exact keywords) and takes the better of
the two confidences per entry, so adding a model never loses a lexical match.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from townsquare.core.matching.matcher import (
    Document,
    LexicalMatcher,
    Match,
    Matcher,
    MatcherFactory,
)

ENCODE_BATCH = 256
"""Questions per encode call when a community's index is built: large enough that the
model's own batching does the work, small enough to bound the memory of one call."""


class Embedder(Protocol):
    """Texts in, one vector per text out (``SentenceTransformer.encode`` fits)."""

    def __call__(self, texts: Sequence[str]) -> Sequence[Sequence[float]]: ...


def _unit(vector: Sequence[float]) -> tuple[float, ...]:
    norm = math.sqrt(sum(value * value for value in vector)) or 1.0
    return tuple(float(value) / norm for value in vector)


class EmbeddingMatcher:
    """Cosine similarity between the question and each entry's embedding.

    Cosine similarities of sentence embeddings rarely go below ~0.2 even for unrelated
    texts, so ``floor`` maps ``[floor, 1]`` onto the ``[0, 1]`` confidence the feature's
    thresholds expect.
    """

    def __init__(self, embed: Embedder, *, floor: float = 0.35) -> None:
        self.embed = embed
        self.floor = floor
        self._vectors: dict[int, tuple[float, ...]] = {}

    def __len__(self) -> int:
        return len(self._vectors)

    def upsert(self, document: Document) -> None:
        self.upsert_many([document])

    def upsert_many(self, documents: Sequence[Document]) -> None:
        for start in range(0, len(documents), ENCODE_BATCH):
            batch = documents[start : start + ENCODE_BATCH]
            vectors = self.embed([document.text for document in batch])
            for document, vector in zip(batch, vectors, strict=True):
                self._vectors[document.id] = _unit(vector)

    def remove(self, document_id: int) -> None:
        self._vectors.pop(document_id, None)

    def search(self, query: str, limit: int = 3) -> list[Match]:
        if not self._vectors or not query.strip():
            return []
        (raw,) = self.embed([query])
        wanted = _unit(raw)
        scored = []
        for doc_id, vector in self._vectors.items():
            cosine = sum(a * b for a, b in zip(wanted, vector, strict=False))
            score = (cosine - self.floor) / (1.0 - self.floor)
            if score > 0:
                scored.append(Match(doc_id, round(min(score, 1.0), 4)))
        scored.sort(key=lambda match: (-match.score, match.id))
        return scored[:limit]


class HybridMatcher:
    """Several matchers over the same documents; an entry's confidence is the best any of
    them gives it."""

    def __init__(self, *matchers: Matcher) -> None:
        self.matchers = matchers

    def __len__(self) -> int:
        return len(self.matchers[0]) if self.matchers else 0

    def upsert(self, document: Document) -> None:
        for matcher in self.matchers:
            matcher.upsert(document)

    def upsert_many(self, documents: Sequence[Document]) -> None:
        for matcher in self.matchers:
            matcher.upsert_many(documents)

    def remove(self, document_id: int) -> None:
        for matcher in self.matchers:
            matcher.remove(document_id)

    def search(self, query: str, limit: int = 3) -> list[Match]:
        best: dict[int, float] = {}
        for matcher in self.matchers:
            for match in matcher.search(query, limit):
                best[match.id] = max(best.get(match.id, 0.0), match.score)
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return [Match(doc_id, score) for doc_id, score in ranked[:limit]]


def hybrid(embed: Embedder, *, floor: float = 0.35) -> MatcherFactory:
    """A matcher factory: the lexical matcher plus an embedding model."""

    def make(language: str) -> Matcher:
        return HybridMatcher(LexicalMatcher(language), EmbeddingMatcher(embed, floor=floor))

    return make
