"""``words`` skips its link and mention substitutions when the text cannot contain one:
the result must be what the substitutions give."""

from __future__ import annotations

import pytest

from townsquare.core.matching.text import _MENTION, _URL, _WORD, fold, looks_like_question, words

TEXTS = [
    "good morning everyone",
    "see WWW.example.com?",
    "HTTPS://x.y/@a b",
    "mail me a@b.c",
    "<@123> how do I reset it",
    "wWw.x.org is down",
    "ftp://host/path?",
    "плохо www.ru",
    "is https://example.com/faq?x=1 the page",
    "come posso reimpostare la password",
]


@pytest.mark.parametrize("text", TEXTS)
def test_words_equal_the_substituted_text(text: str) -> None:
    assert words(text) == _WORD.findall(fold(_MENTION.sub(" ", _URL.sub(" ", text))))


def test_a_question_mark_inside_a_link_is_no_question() -> None:
    assert not looks_like_question("the docs are at https://example.com/faq?page=2")
    assert looks_like_question("is it at https://example.com/faq ?")
