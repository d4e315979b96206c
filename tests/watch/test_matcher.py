"""The watch-words matcher and rules, pure: what counts as a mention, spikes, excerpts."""

from __future__ import annotations

from datetime import UTC, datetime

from townsquare.core.watch.matcher import WatchMatcher, phrase_key, word_offset
from townsquare.core.watch.rules import (
    EXCERPT_CHARS,
    clean_phrase,
    digest_job_key,
    digest_key,
    excerpt,
    hour_of,
    hour_start,
    is_spike,
    phrase_problem,
    sanitised,
    usual_rate,
)

PHRASES = {
    1: "refund",
    2: "app crashes",
    3: "пароль",
    4: "perché",
    5: "not working",
    6: "v2.0",
}


def ids(text: str, hint: str = "en") -> list[int]:
    return [hit.phrase_id for hit in WatchMatcher(PHRASES.items()).scan(text, hint)]


def test_case_accents_and_punctuation_are_folded() -> None:
    assert ids("REFUND!!!") == [1]
    assert ids("Perche non va?", "it") == [4]
    assert ids("PERCHÉ? boh", "it") == [4]
    assert ids("is v2.0 out?") == [6]


def test_words_are_stemmed_in_the_message_language() -> None:
    assert ids("I want my refunds back") == [1]
    assert ids("the app crashed again") == [2]
    assert ids("l'app crashes di nuovo", "it") == [2]
    assert ids("забыл пароля от аккаунта") == [3]
    assert ids("с паролем что-то не так") == [3]


def test_a_phrase_is_its_words_in_a_row_and_stop_words_count() -> None:
    assert ids("crashes in the app") == []
    assert ids("the app, crashes") == [2]  # punctuation between the words does not matter
    assert ids("it's working now") == []  # "not working" does not shrink to "working"
    assert ids("still not working") == [5]


def test_each_phrase_counts_once_per_message_in_order() -> None:
    assert ids("app crashes, refund! refund! the app crashes") == [2, 1]


def test_no_words_no_match_and_urls_or_mentions_do_not_count() -> None:
    assert ids("") == []
    assert ids("👍👍") == []
    assert ids("see https://example.com/refund") == []
    assert ids("@refund hello") == []
    assert WatchMatcher([]).scan("refund") == []


def test_phrase_keys_make_one_phrase_of_spellings() -> None:
    assert phrase_key("Refund!") == phrase_key("  refund ") == "refund"
    assert phrase_key("App  Crashes") == "app crashes"
    assert phrase_key("!!!") == ""


def test_phrase_problems() -> None:
    assert phrase_problem("!!!", []) is not None
    assert phrase_problem("x" * 101, ["x" * 101]) is not None
    assert phrase_problem("a b c d e f g h i", list("abcdefghi")) is not None
    assert phrase_problem("refund", ["refund"]) is None
    assert clean_phrase(" “app   crashes” ") == "app crashes"
    assert clean_phrase('"refund"') == "refund"


def test_a_spike_is_five_times_the_weeks_mean_and_at_least_five_mentions() -> None:
    assert not is_spike(1, 0)  # a first-ever mention
    assert not is_spike(4, 0)
    assert is_spike(5, 0)
    # 168 mentions in the week: one an hour usually; five is five times that.
    assert usual_rate(168) == 1.0
    assert is_spike(5, 168)
    assert not is_spike(9, 2 * 168)
    assert is_spike(10, 2 * 168)


def test_hours_are_utc_hours_since_the_epoch() -> None:
    at = datetime(2026, 12, 4, 10, 59, 59, tzinfo=UTC)
    assert hour_start(hour_of(at)) == datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    assert hour_of(at) + 1 == hour_of(datetime(2026, 12, 4, 11, 0, tzinfo=UTC))


def test_excerpts_are_short_sanitised_and_around_the_mention() -> None:
    assert (
        sanitised("hi @everyone <!channel> <@123>\n\u202eevil")
        == "hi ＠everyone ‹!channel› ‹＠123› evil"
    )
    long = "word " * 40 + "the refund never came " + "tail " * 40
    text = excerpt(long, word_offset(long, 41))
    assert "refund" in text and len(text) <= EXCERPT_CHARS
    assert text.startswith("…") and text.endswith("…")
    assert excerpt("short refund", 0) == "short refund"


def test_keys_fit_the_outbox_and_jobs() -> None:
    long_scope = "s:" + "x" * 300
    assert len(digest_key(long_scope, 500_000)) <= 128
    assert len(digest_job_key(long_scope)) <= 128
    assert digest_key("s:town", 5) == "watch:s:town:5"
    assert digest_key(long_scope, 1) != digest_key("s:" + "y" * 300, 1)
