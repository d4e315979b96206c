"""``[faq] embedding_model``: the optional semantic matcher, switched on by the operator.

No model is downloaded here: a stand-in ``sentence_transformers`` module with the same
``SentenceTransformer(name).encode(texts)`` shape proves the wiring, and hiding the module
proves the config error an operator gets without the extra.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from typing import ClassVar

import pytest

from tests.faq.support import ALICE, Chat, config, running, said, typed
from tests.faq.test_matching import trigram_embed
from townsquare.bots.config import ConfigError
from townsquare.core.faq.feature import Faq
from townsquare.core.faq.semantic import HybridMatcher


class StandIn:
    """``sentence_transformers.SentenceTransformer`` as far as townsquare uses it."""

    loaded: ClassVar[list[str]] = []
    encoded: ClassVar[list[str]] = []

    def __init__(self, name: str) -> None:
        self.loaded.append(name)

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        self.encoded.extend(texts)
        return trigram_embed(texts)


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> type[StandIn]:
    module = types.ModuleType("sentence_transformers")
    module.__spec__ = ModuleSpec("sentence_transformers", None)
    module.SentenceTransformer = StandIn  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sentence_transformers", module)
    StandIn.loaded, StandIn.encoded = [], []
    return StandIn


def test_without_the_extra_the_config_names_the_key_and_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # not installed
    with pytest.raises(ConfigError) as raised:
        config("sqlite+aiosqlite:///x.db", {"embedding_model": "some-model"})
    ((key, message),) = raised.value.problems
    assert key == "faq.embedding_model"
    assert "pip install 'townsquare[semantic]'" in message
    with pytest.raises(ConfigError):
        config("sqlite+aiosqlite:///x.db", {"embedding_floor": 1.5})
    assert config("sqlite+aiosqlite:///x.db").faq.embedding_model is None


async def test_the_model_is_loaded_once_and_answers_next_to_the_lexical_matcher(
    stand_in: type[StandIn], sqlite_url: str
) -> None:
    faq = {"embedding_model": "paraphrase-multilingual-MiniLM-L12-v2", "embedding_floor": 0.2}
    async with running(sqlite_url, faq=faq) as (runtime, adapter):
        assert stand_in.loaded == ["paraphrase-multilingual-MiniLM-L12-v2"]
        chat = Chat(runtime, adapter)
        await chat.texts(typed('/faq add "How do I reset my password?" "Settings."', ALICE))
        (answer,) = await chat.messages(said("How can I reset my password?"))
        assert answer.text.plain() == "💡 How do I reset my password?\nSettings."
        assert {"How do I reset my password?", "How can I reset my password?"} <= set(
            stand_in.encoded
        )
        (feature,) = [f for f in runtime.features if isinstance(f, Faq)]
        (index,) = feature.indexes._items.values()
        assert isinstance(index.matcher, HybridMatcher)
    assert stand_in.loaded == ["paraphrase-multilingual-MiniLM-L12-v2"], "loaded once"
