"""Matching quality on a small multilingual set, question detection, and the index
invariant (incremental updates give exactly what a fresh build gives)."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.faq.labelled import CHATTER, ENTRIES, PARAPHRASES, UNANSWERABLE
from townsquare.core.faq import rules
from townsquare.core.faq.semantic import ENCODE_BATCH, EmbeddingMatcher, HybridMatcher, hybrid
from townsquare.core.matching.matcher import Document, LexicalMatcher
from townsquare.core.matching.text import (
    fold,
    is_small_talk,
    looks_like_question,
    normalised_question,
    terms,
)

MATCHING_REPORT: list[str] = []
"""What the labelled set measured, shown in pytest's terminal summary (conftest.py)."""


def build(language: str = "en") -> LexicalMatcher:
    matcher = LexicalMatcher(language)
    for number, (question, _answer) in enumerate(ENTRIES, 1):
        matcher.upsert(Document(number, question))
    return matcher


def ranked(matcher: LexicalMatcher, text: str) -> list[tuple[int, float]]:
    return [(match.id, match.score) for match in matcher.search(text, 5)]


def test_the_issues_paraphrase_pairs_match() -> None:
    matcher = build()
    for asked, entry in [
        ("How can I reset my password", "How do I reset my password?"),
        ("come posso reimpostare la password", "Come reimposto la password?"),
        ("как сменить пароль", "Как поменять пароль?"),
    ]:
        found = ranked(matcher, asked)
        best = [q for q, _a in ENTRIES].index(entry) + 1
        assert rules.choices(found) == [best], (asked, found)
        assert looks_like_question(asked), asked
        assert rules.auto_answer(found) == best, (asked, found)


def test_precision_and_recall_on_the_labelled_set() -> None:
    matcher = build()
    searched_right = searched = auto_right = auto_wrong = 0
    for asked, index in PARAPHRASES.items():
        found = ranked(matcher, asked)
        shown = rules.choices(found)
        if shown:
            searched += 1
            searched_right += shown[0] == index + 1
        auto = rules.auto_answer(found) if looks_like_question(asked) else None
        if auto == index + 1:
            auto_right += 1
        elif auto is not None:
            auto_wrong += 1
    false_auto = sum(
        1
        for text in UNANSWERABLE + CHATTER
        if looks_like_question(text) and rules.auto_answer(ranked(matcher, text)) is not None
    )
    false_search = sum(1 for text in UNANSWERABLE if rules.choices(ranked(matcher, text)))
    total = len(PARAPHRASES)
    search_precision = searched_right / (searched + false_search)
    search_recall = searched_right / total
    auto_precision = auto_right / max(1, auto_right + auto_wrong + false_auto)
    auto_recall = auto_right / total
    report = (
        f"/faq search: precision {search_precision:.2f}, recall {search_recall:.2f}; "
        f"auto-answer: precision {auto_precision:.2f}, recall {auto_recall:.2f} "
        f"({len(PARAPHRASES)} paraphrases, {len(UNANSWERABLE)} unanswerable questions, "
        f"{len(CHATTER)} chatter)"
    )
    print("\n" + report)
    MATCHING_REPORT.append(report)
    assert search_precision == 1.0 and search_recall >= 0.95
    assert auto_precision == 1.0 and auto_recall >= 0.85


def test_small_talk_and_remarks_never_get_an_answer() -> None:
    matcher = build()
    for text in CHATTER:
        found = ranked(matcher, text)
        asked = looks_like_question(text)
        assert not (asked and rules.auto_answer(found) is not None), (text, found)
    for text in ("how are you?", "come va?", "как дела?", "What's up?!", "Как дела"):
        assert is_small_talk(text) and not looks_like_question(text), text


def test_unanswerable_questions_find_nothing() -> None:
    matcher = build()
    for text in UNANSWERABLE:
        assert looks_like_question(text), text
        assert rules.choices(ranked(matcher, text)) == [], text


def test_question_detection_in_three_languages() -> None:
    for text in (
        "how do I get in",
        "Where is the party",
        "come si entra",
        "dove si trova la sala",
        "как войти",
        "можно ли прийти позже",
        "Приходить ли завтра",
        "anything new?",
        "¿dónde está?",
    ):
        assert looks_like_question(text), text
    for text in (
        "the door is open",
        "la porta è aperta",
        "дверь открыта",
        "/faq how do I get in",
        "see https://example.org/?q=1",
        "x" * 400 + "?",
        "",
    ):
        assert not looks_like_question(text), text


def test_normalisation() -> None:
    assert fold("PERCHÉ Città Ёлка") == "perche citta елка"
    assert terms("Perché non funziona?", "it") == terms("perche non funziona", "it")
    assert normalised_question("How do I reset my password?") == normalised_question(
        "how to reset password"
    )
    assert normalised_question("Как поменять пароль?") == normalised_question("как поменять пароль")


def test_typos_and_one_word_questions() -> None:
    matcher = build()
    assert rules.choices(ranked(matcher, "how do I resett my pasword?")) == [1]
    # one ambiguous word: the close entries are offered together, none auto-answered
    found = ranked(matcher, "password?")
    assert set(rules.choices(found)) >= {1, 9}
    assert rules.auto_answer(found) is None


QUESTIONS = [question for question, _answer in ENTRIES] + [
    "How do I reset my account password?",
    "Где находится склад?",
    "Come posso pagare?",
]
PROBES = ["password reset", "офис", "abbonamento", "pagare paypal", "office weekend"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.integers(1, 12), st.sampled_from(QUESTIONS)), max_size=40)
)
def test_incremental_updates_equal_a_fresh_build(ops: list[tuple[bool, int, str]]) -> None:
    """Whatever sequence of adds, edits and removals: the patched index answers exactly
    as an index built from the final entries does."""
    patched = LexicalMatcher("en")
    final: dict[int, str] = {}
    for remove, doc_id, question in ops:
        if remove:
            patched.remove(doc_id)
            final.pop(doc_id, None)
        else:
            patched.upsert(Document(doc_id, question))
            final[doc_id] = question
    fresh = LexicalMatcher("en")
    for doc_id, question in final.items():
        fresh.upsert(Document(doc_id, question))
    assert len(patched) == len(fresh)
    for probe in PROBES + QUESTIONS[:5]:
        assert patched.search(probe, 5) == fresh.search(probe, 5), probe
    assert patched._postings == fresh._postings
    assert {t for b in patched._by_length.values() for t in b.items} == set(fresh._postings)


def trigram_embed(texts: object) -> list[list[float]]:
    """A toy embedding (hashed character trigrams): enough to prove the plug-in works."""
    vectors = []
    for text in texts:  # type: ignore[attr-defined]
        vector = [0.0] * 64
        folded = f"  {fold(text)}  "
        for start in range(len(folded) - 2):
            vector[hash(folded[start : start + 3]) % 64] += 1.0
        vectors.append(vector)
    return vectors


def test_an_embedding_matcher_plugs_in_behind_the_same_interface() -> None:
    semantic = EmbeddingMatcher(trigram_embed, floor=0.2)
    for number, (question, _answer) in enumerate(ENTRIES, 1):
        semantic.upsert(Document(number, question))
    best = semantic.search("How do I reset my password", 3)
    assert best[0].id == 1 and 0 < best[0].score <= 1
    semantic.remove(1)
    assert all(match.id != 1 for match in semantic.search("reset my password", 3))

    combined = hybrid(trigram_embed, floor=0.2)("en")
    assert isinstance(combined, HybridMatcher)
    for number, (question, _answer) in enumerate(ENTRIES, 1):
        combined.upsert(Document(number, question))
    assert len(combined) == len(ENTRIES)
    # the lexical half still catches what the toy embedding cannot
    assert combined.search("как сменить пароль", 1)[0].id == 15


def test_building_an_index_encodes_the_questions_in_batches_with_the_same_results() -> None:
    calls: list[int] = []

    def counting_embed(texts: Sequence[str]) -> list[list[float]]:
        calls.append(len(texts))
        return trigram_embed(texts)

    documents = [
        Document(number, f"{question} ({copy})")
        for copy in range(25)
        for number, (question, _answer) in enumerate(ENTRIES, 1 + copy * len(ENTRIES))
    ]
    batched = hybrid(counting_embed, floor=0.2)("en")
    batched.upsert_many(documents)
    assert len(batched) == len(documents) > ENCODE_BATCH
    assert calls == [ENCODE_BATCH] * (len(documents) // ENCODE_BATCH) + [
        len(documents) % ENCODE_BATCH
    ]

    one_by_one = hybrid(trigram_embed, floor=0.2)("en")
    for document in documents:
        one_by_one.upsert(document)
    for query in ("How can I reset my password", "come posso reimpostare la password"):
        assert batched.search(query, 3) == one_by_one.search(query, 3)
