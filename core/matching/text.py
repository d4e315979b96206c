"""Language-aware normalisation: what a question *means* for matching, not how it is typed.

``"Come posso reimpostare la password?"`` becomes the terms ``reimpost password``:
case-folded, accents dropped (members often type ``perche`` for ``perché``), punctuation
and stop words removed, the rest stemmed with the Snowball stemmer of the detected
language (English, Italian or Russian). The same function serves entries and questions,
so both sides always agree.

Snowball stems are cached: the pure-Python stemmer costs ~0.1–0.3 ms per new word, while a
community's vocabulary is small and repeats. (Installing PyStemmer makes snowballstemmer
use its C implementation.)
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from townsquare.core.matching.words import (
    QUESTION_OPENERS,
    QUESTION_PARTICLES,
    RUSSIAN_PREFIXES,
    SMALL_TALK,
    STOP_WORDS,
)

LANGUAGES = ("en", "it", "ru")
_STEMMER_NAMES = {"en": "english", "it": "italian", "ru": "russian"}
_WORD = re.compile(r"[^\W_]+")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?:<@[!&]?\w+>|@\w+)")
_QUESTION_MARKS = ("?", "？", "¿")
MAX_QUESTION_CHARS = 300
"""Longer messages are discussions, not FAQ questions: they are never auto-answered."""


def _latin(char: str) -> bool:
    return char < "\u0250"


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char == "ё":
        return "е"
    if not _latin(char) or char.isascii():
        return char
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Case-fold; drop accents from Latin letters (``perché`` → ``perche``), keep Cyrillic
    intact except ``ё`` → ``е`` (``й`` is a letter of its own, not an accented ``и``)."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    return "".join(_fold_char(char) for char in folded)


def words(text: str) -> list[str]:
    """Folded words of ``text``: letters and digits, split at anything else (apostrophes
    too: ``dov'è`` → ``dov``, ``e``). URLs and @mentions are dropped."""
    if "://" in text or "www." in text.lower():  # what _URL needs to match
        text = _URL.sub(" ", text)
    if "@" in text:  # what _MENTION needs to match
        text = _MENTION.sub(" ", text)
    return _WORD.findall(fold(text))


def detect_language(tokens: list[str], hint: str = "en") -> str:
    """``ru`` for Cyrillic text, else English or Italian by their stop words; ``hint`` (the
    community's language) breaks ties, so ``password reset`` stays in the community's
    language."""
    if tokens and not all(map(str.isascii, tokens)):  # folded Latin words are ASCII
        cyrillic = sum(1 for token in tokens if "а" <= token[0] <= "я")
        if cyrillic * 2 >= len(tokens):
            return "ru"
    # Every message of a community is told apart here (watch words, the FAQ): map over
    # the sets' own lookups rather than a generator, a third of the cost.
    english = sum(map(STOP_WORDS["en"].__contains__, tokens))
    italian = sum(map(STOP_WORDS["it"].__contains__, tokens))
    if english > italian:
        return "en"
    if italian > english:
        return "it"
    return hint if hint in ("en", "it") else "en"


@lru_cache(maxsize=8)
def _stemmer(language: str) -> Any:
    """The Snowball stemmer of ``language``, imported on the first word to stem (the
    package loads every language it has, about 3 MiB)."""
    import snowballstemmer  # type: ignore[import-untyped]

    return snowballstemmer.stemmer(_STEMMER_NAMES[language])


@lru_cache(maxsize=200_000)
def stem(word: str, language: str) -> str:
    if not word.isalpha() and any(char.isdigit() for char in word):
        return word
    if "а" <= word[0] <= "я":
        language = "ru"
    elif language == "ru":
        language = "en"
    stemmed: str = _stemmer(language).stemWord(word)
    return stemmed


def terms(text: str, hint: str = "en") -> list[str]:
    """The stemmed content words of ``text``, in order (duplicates kept)."""
    tokens = words(text)
    language = detect_language(tokens, hint)
    stop = STOP_WORDS[language]
    # Cyrillic words in Latin text (and the reverse) still meet their own stop words.
    result: list[str] = []
    for token in tokens:
        if len(token) < 2 and not token.isdigit():
            continue
        own = "ru" if "а" <= token[0] <= "я" else language if language != "ru" else "en"
        if token in stop or token in STOP_WORDS[own]:
            continue
        result.append(stem(token, own))
    return result


def russian_root(term: str) -> str | None:
    """The stem without a verbal prefix (``смен`` → ``мен``), if one is there and at least
    three letters remain; None for non-Cyrillic terms or when no prefix matches."""
    if not term or not "а" <= term[0] <= "я":
        return None
    for prefix in RUSSIAN_PREFIXES:
        if term.startswith(prefix) and len(term) - len(prefix) >= 3:
            return term[len(prefix) :]
    return None


def normalised_question(text: str, hint: str = "en") -> str:
    """A key under which rephrasings of one question collapse (for unanswered questions):
    the sorted distinct terms, or the folded words when nothing but stop words is left."""
    found = sorted(set(terms(text, hint)))
    if found:
        return " ".join(found)[:255]
    return " ".join(words(text))[:255]


def is_small_talk(text: str) -> bool:
    """Greetings and social questions ("how are you?", "come va?", "как дела?")."""
    phrase = " ".join(words(text))
    return phrase in SMALL_TALK


def looks_like_question(text: str, hint: str = "en") -> bool:
    """A question mark, or an interrogative opening ("how", "come", "как") or the Russian
    particle ``ли``; never small talk, never a command, never a long message."""
    stripped = text.strip()
    if not stripped or stripped.startswith("/") or len(stripped) > MAX_QUESTION_CHARS:
        return False
    tokens = words(stripped)  # once: this runs for every message
    if " ".join(tokens) in SMALL_TALK:  # is_small_talk(stripped)
        return False
    if any(mark in stripped for mark in _QUESTION_MARKS) and any(
        mark in _URL.sub(" ", stripped) for mark in _QUESTION_MARKS
    ):
        return True  # a question mark outside the links
    if not tokens:
        return False
    if any(token in QUESTION_PARTICLES for token in tokens[1:]):
        return True
    return tokens[0] in QUESTION_OPENERS[detect_language(tokens, hint)]
