"""The tally rules, exhaustively and by property."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from townsquare.core.buttons import check
from townsquare.core.polls import rules
from townsquare.core.polls.rules import Outcome, press

options = st.integers(min_value=0, max_value=9)
presses = st.lists(st.one_of(options, st.just(rules.RETRACT)), max_size=30)


def test_single_choice() -> None:
    first = press(frozenset(), 1, multi=False)
    assert first == rules.Press(frozenset({1}), Outcome.RECORDED)
    assert press(first.votes, 1, multi=False).outcome is Outcome.UNCHANGED
    assert press(first.votes, 2, multi=False) == rules.Press(frozenset({2}), Outcome.MOVED)
    assert press(first.votes, rules.RETRACT, multi=False).votes == frozenset()
    assert press(frozenset(), rules.RETRACT, multi=False).outcome is Outcome.NOTHING_TO_RETRACT


def test_multi_choice_toggles() -> None:
    added = press(frozenset({1}), 3, multi=True)
    assert added == rules.Press(frozenset({1, 3}), Outcome.ADDED)
    assert press(added.votes, 1, multi=True) == rules.Press(frozenset({3}), Outcome.REMOVED)


@given(presses)
def test_single_choice_never_holds_more_than_one_vote(sequence: list[int]) -> None:
    votes: frozenset[int] = frozenset()
    for option in sequence:
        before = votes
        votes = press(votes, option, multi=False).votes
        assert len(votes) <= 1
        if option != rules.RETRACT and before == {option}:
            assert votes == before, "a double tap never removes a vote"


@given(presses)
def test_multi_choice_is_the_parity_of_presses(sequence: list[int]) -> None:
    votes: frozenset[int] = frozenset()
    for option in sequence:
        votes = press(votes, option, multi=True).votes
    last_retract = max((i for i, o in enumerate(sequence) if o == rules.RETRACT), default=-1)
    after = sequence[last_retract + 1 :]
    assert votes == {o for o in set(after) if after.count(o) % 2 == 1}


def test_durations_and_button_data() -> None:
    assert rules.parse_duration("30m") is not None and rules.parse_duration("2h") is not None
    assert rules.parse_duration("1d") is not None
    assert rules.parse_duration("0m") is None and rules.parse_duration("soon") is None
    assert rules.parse_duration("1000d") is None
    vote = rules.VoteButton
    assert vote(12, 3).pack() == "poll:12:3" and vote(12, rules.RETRACT).pack() == "poll:12:r"
    for posted in ("poll:12:3", "poll:12:r", "poll:1:9"):  # as buttons already in chats carry
        assert vote.parse(posted) is not None and vote.parse(posted).pack() == posted  # type: ignore[union-attr]
    assert vote.parse("poll:12:r") == vote(12, rules.RETRACT)
    for forged in ("faq:1:y", "poll:x:1", "poll:1:100", "poll:1:-1", "poll:1", "poll:1:2:3"):
        assert vote.parse(forged) is None
    assert check(vote) <= 64


def test_poll_sentences_are_translated() -> None:
    from townsquare.core.i18n import Translator

    assert Translator("it")("Vote recorded") == "Voto registrato"
    assert Translator("ru").plural("{n} voter", "{n} voters", 3) == "3 проголосовавших"
    assert Translator("ru").plural("{n} voter", "{n} voters", 21) == "21 проголосовавший"
