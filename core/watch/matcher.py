"""Which watched words and phrases a message mentions: one compiled matcher per list.

Phrases and messages are normalised alike (:mod:`core.matching.text`, as the FAQ does):
case-folded, Latin accents dropped, split into words at punctuation, URLs and @mentions
left out, and every word stemmed with the Snowball stemmer of the text's language
(English, Italian or Russian; Cyrillic words always Russian). So ``refund`` matches
"Refunds?", ``perché`` matches "perche", and ``пароль`` matches "пароля" and "паролем".

Unlike the FAQ no stop word is dropped: a phrase is a run of words, and "not working"
must not shrink to "working". A phrase matches where its stems appear consecutively in
the message's stems. A Latin phrase is compiled under both the English and the Italian
stemmer, since the message's language (told per message, the community's language
breaking ties) decides how the message is stemmed.

Scanning a message costs its words and their (cached) stems, one set intersection with
the phrases' first stems, and only where that finds something a look at the phrases
that start there. A message that mentions nothing watched, the ordinary one, stops at
the intersection.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from townsquare.core.matching.text import detect_language, fold, stem, words

LATIN_LANGUAGES = ("en", "it")


def phrase_words(text: str) -> list[str]:
    """The folded words of a watched phrase (empty: nothing to match)."""
    return words(text)


def phrase_key(text: str) -> str:
    """What makes two phrases the same watch word: their folded words, space-separated
    (``"Refund!"`` and ``refund`` are one)."""
    return " ".join(words(text))


def phrase_forms(text: str) -> frozenset[tuple[str, ...]]:
    """The stem sequences a message must contain to mention ``text``: one per language
    a Latin phrase may be read in (a Cyrillic word is stemmed as Russian either way)."""
    tokens = words(text)
    if not tokens:
        return frozenset()
    return frozenset(
        tuple(stem(token, language) for token in tokens) for language in LATIN_LANGUAGES
    )


def message_stems(text: str, hint: str = "en") -> list[str]:
    """The stems of every word of a message, in order, in the message's language."""
    tokens = words(text)
    if not tokens:
        return tokens
    language = detect_language(tokens, hint)
    return [stem(token, language) for token in tokens]


@dataclass(frozen=True, slots=True)
class Found:
    """A phrase a message mentions, and where: ``start`` is the index of its first word
    among the message's words (for the excerpt)."""

    phrase_id: int
    start: int


class WatchMatcher:
    """Every phrase of one watch list, compiled for scanning."""

    __slots__ = ("_firsts", "_starting", "size")

    def __init__(self, phrases: Iterable[tuple[int, str]]) -> None:
        starting: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        size = 0
        for phrase_id, text in phrases:
            forms = phrase_forms(text)
            if forms:
                size += 1
            for form in forms:
                bucket = starting.setdefault(form[0], [])
                if (form, phrase_id) not in bucket:
                    bucket.append((form, phrase_id))
        self._starting = starting
        self._firsts = frozenset(starting)
        self.size = size
        """How many phrases it matches."""

    def scan(self, text: str, hint: str = "en") -> list[Found]:
        """The phrases ``text`` mentions, each once (its first place), in order."""
        if not self._firsts:
            return []
        stems = message_stems(text, hint)
        if self._firsts.isdisjoint(stems):
            return []
        found: dict[int, Found] = {}
        count = len(stems)
        for index, first in enumerate(stems):
            candidates = self._starting.get(first)
            if candidates is None:
                continue
            for form, phrase_id in candidates:
                if phrase_id in found:
                    continue
                length = len(form)
                if length == 1 or (
                    index + length <= count and tuple(stems[index : index + length]) == form
                ):
                    found[phrase_id] = Found(phrase_id, index)
        return sorted(found.values(), key=lambda hit: (hit.start, hit.phrase_id))


def word_offset(text: str, index: int) -> int:
    """Where the ``index``-th word of :func:`words` first appears in ``text``, as near as
    can be told (0 when folding changed the text's length, as ``ß`` → ``ss`` does)."""
    tokens = words(text)
    folded = fold(text)
    if not 0 < index < len(tokens) or len(folded) != len(text):
        return 0
    found = re.search(rf"(?<![^\W_]){re.escape(tokens[index])}(?![^\W_])", folded)
    return found.start() if found is not None else 0
