"""FAQ: a per-community knowledge base that answers paraphrased questions.

Pure pieces, shared with other features in :mod:`core.matching`: :mod:`core.matching.text`
(language-aware normalisation, question detection) and :mod:`core.matching.matcher` (the
:class:`Matcher` interface and the lexical BM25 + fuzzy matcher). Here:
:mod:`core.faq.semantic` (an optional embedding matcher behind the same interface),
:mod:`core.faq.index` (per-community indexes kept in step with the database),
:mod:`core.faq.rules` (limits and validation). :mod:`core.faq.feature` is the feature.
"""

from townsquare.core.matching.matcher import (
    Document,
    LexicalMatcher,
    Match,
    Matcher,
    MatcherFactory,
)

__all__ = ["Document", "LexicalMatcher", "Match", "Matcher", "MatcherFactory"]
