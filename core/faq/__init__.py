"""FAQ: a per-community knowledge base that answers paraphrased questions.

Pure pieces: :mod:`core.faq.text` (language-aware normalisation, question detection),
:mod:`core.faq.matcher` (the :class:`Matcher` interface and the lexical BM25 + fuzzy
matcher), :mod:`core.faq.semantic` (an optional embedding matcher behind the same
interface), :mod:`core.faq.index` (per-community indexes kept in step with the database),
:mod:`core.faq.rules` (limits and validation). :mod:`core.faq.feature` is the feature.
"""

from townsquare.core.faq.matcher import Document, LexicalMatcher, Match, Matcher, MatcherFactory

__all__ = ["Document", "LexicalMatcher", "Match", "Matcher", "MatcherFactory"]
