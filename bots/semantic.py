"""``[faq] embedding_model``: the optional semantic FAQ matcher (``townsquare[semantic]``).

The model is loaded once at start-up with sentence-transformers; each community's index
then keeps the lexical matcher (typos, exact keywords) and adds the model's cosine
similarity, taking the better confidence per entry (:func:`core.faq.semantic.hybrid`).
Loading a model by name downloads it from Hugging Face the first time; point the key at a
local folder to run offline. Encoding runs on the event loop: a small multilingual model
costs a few milliseconds per question on a CPU. When a community's index is built its
questions are encoded in batches (``core.faq.semantic.ENCODE_BATCH`` per call), not one
call per entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from townsquare.bots.config import FaqConfig
from townsquare.core.faq.semantic import hybrid
from townsquare.core.matching.matcher import MatcherFactory


def embedding_matcher(config: FaqConfig) -> MatcherFactory:
    """The hybrid matcher factory for ``config.embedding_model``."""
    assert config.embedding_model is not None
    from sentence_transformers import SentenceTransformer

    model: Any = SentenceTransformer(config.embedding_model)

    def embed(texts: Sequence[str]) -> Sequence[Sequence[float]]:
        vectors: Sequence[Sequence[float]] = model.encode(list(texts))
        return vectors

    return hybrid(embed, floor=config.embedding_floor)
