"""The insult/threat lexicon detector (English, Italian, Russian).

Matching works on normalised words, so the usual disguises do not help: case, accents
(``idiòta``), ``ё``/``е``, leetspeak (``1d10t``), stretched letters (``idiooot``), spaced
letters (``i d i o t``) and Latin letters hidden in Cyrillic words (``идиoт`` with a
Latin ``o``). Apostrophes are read both ways: English contractions join (``you're`` ->
``youre``) while Italian elisions split (``l'idiota`` -> ``l idiota``).

An insult is only a signal when it is aimed at someone (a second-person word, or the
message is a reply): "I felt like an idiot" stays quiet. A threat is a signal on its own.
The word lists live in ``lexicon.toml`` next to this module.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from townsquare.core.escalation.signals import ObservedMessage, ObservedReaction, Severity, Signal

LEXICON_FILE = Path(__file__).resolve().parent / "lexicon.toml"

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_APOSTROPHES = "'’ʼ`´"
_APOSTROPHE = re.compile(f"[{re.escape(_APOSTROPHES)}]")
_WORD = re.compile(r"[\w@$]+")
_REPEATS = re.compile(r"(\w)\1+")
# Letters that look alike in the two scripts, for words mixing them.
_LATIN_TO_CYRILLIC = str.maketrans("aeopcxykmthb", "аеорсхукмтнв")
_CYRILLIC_TO_LATIN = str.maketrans("аеорсхукмтнв", "aeopcxykmthb")


def _fold(text: str) -> str:
    if text.isascii():
        return text.casefold()
    return _fold_unicode(text)


def _fold_unicode(text: str) -> str:
    """Casefold and strip accents (``ё`` -> ``е``, ``è`` -> ``e``); compatibility forms
    (``𝖎𝖉𝖎𝖔𝖙``, full-width letters) become plain letters first."""
    plain = unicodedata.normalize("NFKD", text).casefold()
    decomposed = unicodedata.normalize("NFKD", plain)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff"


@lru_cache(maxsize=65_536)
def _word(raw: str) -> str:
    """One normalised word: leetspeak, mixed scripts and stretched letters undone (cached:
    chat repeats its words, and this runs for every word of every message)."""
    if any(char.isalpha() for char in raw):
        raw = raw.translate(_LEET)
    raw = _REPEATS.sub(r"\1", raw)
    cyrillic = sum(1 for char in raw if _is_cyrillic(char))
    latin = sum(1 for char in raw if "a" <= char <= "z")
    if cyrillic and latin:
        table = _LATIN_TO_CYRILLIC if cyrillic >= latin else _CYRILLIC_TO_LATIN
        raw = raw.translate(table)
    return _REPEATS.sub(r"\1", raw)


def _merge_spelled(words: list[str], skip_first: bool) -> list[str]:
    """``i d i o t`` -> ``idiot``: runs of three or more single letters become one word.

    With ``skip_first`` the run's first letter stays a word of its own, for runs that
    start with a real one-letter word ("u r a m0r0n", "such a d u m b a s s").
    """
    merged: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1:
            run.append(word)
            continue
        if len(run) >= 3:
            head = run[:1] if skip_first else []
            merged.extend(head)
            merged.append(_word("".join(run[len(head) :])))
        else:
            merged.extend(run)
        run = []
        if word:
            merged.append(word)
    return merged


def normalise(text: str) -> tuple[tuple[str, ...], ...]:
    """The word streams of ``text``: apostrophes joined or read as spaces, spelled-out
    runs merged whole or after their first letter (duplicates removed)."""
    folded = _fold(text)
    has_apostrophe = _APOSTROPHE.search(folded) is not None
    streams: list[tuple[str, ...]] = []
    for replacement in ("", " ") if has_apostrophe else ("",):
        flattened = _APOSTROPHE.sub(replacement, folded) if has_apostrophe else folded
        words = [_word(raw) for raw in _WORD.findall(flattened)]
        spelled = _has_spelled_run(words)
        for skip_first in (False, True) if spelled else (False,):
            stream = tuple(_merge_spelled(words, skip_first) if spelled else words)
            if stream not in streams:
                streams.append(stream)
    return tuple(streams)


def _has_spelled_run(words: list[str]) -> bool:
    run = 0
    for word in words:
        run = run + 1 if len(word) == 1 else 0
        if run >= 3:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Entry:
    """One lexicon entry: words, each exact or a prefix (``stem*``)."""

    text: str
    kind: str
    language: str
    words: tuple[str, ...]
    prefix: tuple[bool, ...]

    def matches_at(self, stream: Sequence[str], start: int) -> bool:
        if start + len(self.words) > len(stream):
            return False
        for offset, (word, is_prefix) in enumerate(zip(self.words, self.prefix, strict=True)):
            token = stream[start + offset]
            if not (token.startswith(word) if is_prefix else token == word):
                return False
        return True


def _entry(text: str, kind: str, language: str) -> Entry:
    words: list[str] = []
    prefix: list[bool] = []
    for raw in text.split():
        is_prefix = raw.endswith("*")
        stream = normalise(raw.rstrip("*"))[0]
        if len(stream) != 1:
            raise ValueError(f"lexicon entry {text!r}: {raw!r} is not one word")
        words.append(stream[0])
        prefix.append(is_prefix)
    return Entry(text, kind, language, tuple(words), tuple(prefix))


@dataclass
class Lexicon:
    """Entries indexed by their first word, so a message costs a few dict lookups."""

    entries: list[Entry]
    second_person: frozenset[str]
    _exact: dict[str, list[Entry]] = field(default_factory=dict)
    _prefix: dict[int, dict[str, list[Entry]]] = field(default_factory=dict)
    _seen: dict[str, tuple[Entry, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for entry in self.entries:
            first = entry.words[0]
            if entry.prefix[0]:
                self._prefix.setdefault(len(first), {}).setdefault(first, []).append(entry)
            else:
                self._exact.setdefault(first, []).append(entry)

    @classmethod
    def load(cls, path: Path = LEXICON_FILE) -> Lexicon:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        entries = [
            _entry(text, kind, language)
            for kind in ("insult", "threat")
            for language, texts in data.get(kind, {}).items()
            for text in texts
        ]
        second = {
            word
            for words in data.get("second_person", {}).values()
            for text in words
            for stream in normalise(text)
            for word in stream
        }
        return cls(entries, frozenset(second))

    def _candidates(self, token: str) -> tuple[Entry, ...]:
        """Entries whose first word matches ``token`` (memoised per token, bounded)."""
        found = self._seen.get(token)
        if found is None:
            found = tuple(self._exact.get(token, ())) + tuple(
                entry
                for length, stems in self._prefix.items()
                if len(token) >= length
                for entry in stems.get(token[:length], ())
            )
            if len(self._seen) >= 65_536:
                self._seen.clear()
            self._seen[token] = found
        return found

    def find(self, text: str | tuple[tuple[str, ...], ...]) -> list[Entry]:
        """Every entry found in ``text`` (or its :func:`normalise` d streams), each once,
        in order of appearance."""
        streams = normalise(text) if isinstance(text, str) else text
        found: dict[str, Entry] = {}
        for stream in streams:
            for index, token in enumerate(stream):
                for entry in self._candidates(token):
                    if entry.matches_at(stream, index):
                        found.setdefault(f"{entry.kind}:{entry.text}", entry)
        return list(found.values())

    def addressed(self, text: str | tuple[tuple[str, ...], ...]) -> bool:
        """Whether the text speaks to someone (a second-person word)."""
        streams = normalise(text) if isinstance(text, str) else text
        return any(word in self.second_person for stream in streams for word in stream)


@cache
def default_lexicon() -> Lexicon:
    return Lexicon.load()


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the lexicon makes of one text: ``severity`` None means no signal."""

    severity: Severity | None
    kind: str
    matches: tuple[str, ...]


def assess(text: str, *, is_reply: bool = False, lexicon: Lexicon | None = None) -> Assessment:
    lexicon = lexicon or default_lexicon()
    streams = normalise(text)
    found = lexicon.find(streams)
    threats = tuple(entry.text for entry in found if entry.kind == "threat")
    if threats:
        return Assessment(Severity.HIGH, "threat", threats)
    insults = tuple(entry.text for entry in found if entry.kind == "insult")
    if insults and (is_reply or lexicon.addressed(streams)):
        severity = Severity.HIGH if len(insults) >= 3 else Severity.MEDIUM
        return Assessment(severity, "insult", insults)
    return Assessment(None, "insult" if insults else "", insults)


class LexiconDetector:
    """Insults aimed at someone and threats, in English, Italian and Russian."""

    name = "lexicon"

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or default_lexicon()

    def on_message(self, message: ObservedMessage) -> list[Signal]:
        if not message.text:
            return []
        replying = (
            message.reply_to_author is not None
            and message.reply_to_author.user_id != message.author.user_id
        )
        result = assess(message.text, is_reply=replying, lexicon=self.lexicon)
        if result.severity is None:
            return []
        quoted = ", ".join(f"“{match}”" for match in result.matches[:5])
        return [
            Signal(
                detector=self.name,
                kind=result.kind,
                severity=result.severity,
                evidence="{words}",
                message=message.message,
                offender=message.author,
                values={"words": quoted},
            )
        ]

    def on_reaction(self, reaction: ObservedReaction) -> list[Signal]:
        return []
