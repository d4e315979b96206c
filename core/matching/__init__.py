"""Text matching shared by features (pure): what a text *means* for matching, and an index
that finds the texts nearest to a query.

:mod:`core.matching.text` normalises multilingual text (case and accents folded, stop words
of English, Italian and Russian dropped, Snowball stems); :mod:`core.matching.matcher` is the
:class:`Matcher` interface and the lexical BM25 + fuzzy matcher. The FAQ answers questions
with them and the feedback board finds similar ideas with them; features never import each
other, so the shared part lives here, in the framework.
"""

from townsquare.core.matching.matcher import (
    Document,
    LexicalMatcher,
    Match,
    Matcher,
    MatcherFactory,
)

__all__ = ["Document", "LexicalMatcher", "Match", "Matcher", "MatcherFactory"]
