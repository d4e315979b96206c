"""Telling a thank-you from other text, in English, Italian and Russian (pure).

A reply whose text thanks (``thanks!``, ``thank you so much``, ``thx``, ``ty``,
``grazie mille``, ``ti ringrazio``, ``спасибо``, ``спс``, ``благодарю``...) gives
reputation to the member it replies to. A refusal is not a thank-you: "no thanks",
"no, grazie", "нет, спасибо" give nothing, nor does a thank-you buried in a long message
(only the first :data:`LEAD_WORDS` words are looked at: "thanks" is how a thank-you
starts or ends a short reply, not a word in the middle of an essay).
"""

from __future__ import annotations

import re
import unicodedata

LEAD_WORDS = 12
"""A longer message counts only if a thank-you opens or closes it."""

_PHRASES = (
    # English
    r"thanks?",
    r"thank\s+(?:you|u|ya|ye)",
    r"thanx",
    r"thnx",
    r"thx",
    r"tnx",
    r"ty",
    r"tysm",
    r"tyvm",
    r"much\s+appreciated",
    r"appreciate\s+it",
    r"cheers\s+mate",
    # Italian
    r"grazie",
    r"grz",
    r"ti\s+ringrazio",
    r"vi\s+ringrazio",
    r"la\s+ringrazio",
    # Russian
    r"спасибо",
    r"спасибочки",
    r"спасибки",
    r"спасиб",
    r"спс",
    r"пасиб[оа]?",
    r"благодарю",
    r"благодарствую",
    r"сенкс",
)
_THANKS = re.compile(r"(?<!\w)(?:" + "|".join(_PHRASES) + r")(?!\w)")
_REFUSAL = re.compile(
    r"(?<!\w)(?:no|nope|nah|no\s+grazie|нет|не\s+надо)[\s,.!]*(?:" + "|".join(_PHRASES) + r")"
    r"(?!\w)"
)
_WORD = re.compile(r"\w+")


def _folded(text: str) -> str:
    """Lower case, curly apostrophes straightened, runs of whitespace as one space."""
    text = unicodedata.normalize("NFC", text).casefold().replace("’", "'")
    return " ".join(text.split())


def is_thanks(text: str) -> bool:
    """Whether ``text`` thanks someone (see the module docstring)."""
    folded = _folded(text)
    if not folded or _REFUSAL.search(folded):
        return False
    words = _WORD.findall(folded)
    if len(words) <= LEAD_WORDS:
        return _THANKS.search(folded) is not None
    head = " ".join(words[:LEAD_WORDS])
    tail = " ".join(words[-3:])
    return _THANKS.search(head) is not None or _THANKS.search(tail) is not None


_MENTION = re.compile(r"<@!?([A-Za-z0-9]{1,32})(?:\|[^>]*)?>")
_HANDLE = re.compile(r"(?<![\w@])@([A-Za-z0-9_][A-Za-z0-9_.]{0,63})")


def mentioned(text: str) -> tuple[list[str], list[str]]:
    """``(user ids, handles)`` named in ``text``: ``<@123>``, ``<@!123>``, ``<@U123|bob>``
    carry the platform's id; ``@bob`` a handle to look up (Telegram usernames)."""
    ids = list(dict.fromkeys(_MENTION.findall(text)))
    bare = _MENTION.sub(" ", text)
    handles = list(dict.fromkeys(h.rstrip(".").lower() for h in _HANDLE.findall(bare)))
    return ids, handles
