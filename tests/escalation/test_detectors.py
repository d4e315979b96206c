"""Detectors on their own: the lexicon on a labelled multilingual set (precision and
recall printed), normalisation invariants, and heat patterns."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from tests.escalation.labelled import LABELLED
from tests.escalation.support import START, person
from townsquare.core.escalation.heat import HeatDetector, is_flag, is_shouting
from townsquare.core.escalation.lexicon import LexiconDetector, assess, normalise
from townsquare.core.escalation.signals import ObservedMessage, ObservedReaction, Severity
from townsquare.core.refs import ChannelRef, MessageRef

ANN, BEN, CAT, DAN = person("Ann"), person("Ben"), person("Cat"), person("Dan")
CHANNEL = ChannelRef("general")


def _scores(rows: list[tuple[str, str, bool, bool]]) -> tuple[float, float, list[str]]:
    tp = fp = fn = 0
    mistakes: list[str] = []
    for _language, text, is_reply, expected in rows:
        found = assess(text, is_reply=is_reply).severity is not None
        tp += found and expected
        fp += found and not expected
        fn += expected and not found
        if found != expected:
            mistakes.append(f"{'missed' if expected else 'false alarm'}: {text!r}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, mistakes


LEXICON_REPORT: list[str] = []
"""The table below, shown in pytest's terminal summary (tests/escalation/conftest.py)."""


def test_lexicon_precision_and_recall_on_the_labelled_set() -> None:
    LEXICON_REPORT.clear()
    LEXICON_REPORT.append(f"{'language':<9}{'messages':>9}{'precision':>11}{'recall':>8}")
    for language in ("en", "it", "ru", "all"):
        rows = [row for row in LABELLED if language in ("all", row[0])]
        precision, recall, mistakes = _scores(rows)
        LEXICON_REPORT.append(f"{language:<9}{len(rows):>9}{precision:>11.2f}{recall:>8.2f}")
        LEXICON_REPORT.extend(f"    {mistake}" for mistake in mistakes)
    print("", *LEXICON_REPORT, sep="\n")
    precision, recall, _mistakes = _scores(LABELLED)
    assert precision >= 0.9 and recall >= 0.9


def test_threats_are_high_and_insults_need_an_addressee() -> None:
    assert assess("ti ammazzo").severity is Severity.HIGH
    assert assess("idiot").severity is None
    assert assess("idiot", is_reply=True).severity is Severity.MEDIUM
    assert assess("you idiot").severity is Severity.MEDIUM
    assert assess("you idiot, moron, loser").severity is Severity.HIGH
    assert assess("").severity is None


def test_disguises_are_undone() -> None:
    assert "idiot" in normalise("1D10OOT")[0]
    assert normalise("i d i o t")[0] == ("idiot",)
    assert normalise("идиoт")[0] == ("идиот",)  # Latin o inside Cyrillic
    assert normalise("Idiòta")[0] == ("idiota",)
    joined, split = normalise("l'idiota you're")
    assert "lidiota" in joined and "youre" in joined
    assert "idiota" in split


@given(st.text(max_size=80))
def test_normalise_is_total_and_stable(text: str) -> None:
    streams = normalise(text)
    assert 1 <= len(streams) <= 4
    for stream in streams:
        assert all(word and word == word.casefold() for word in stream)
    # normalising normalised words changes nothing (the lexicon relies on it)
    again = normalise(" ".join(streams[0]))[0]
    assert again == streams[0]


def _message(author: object, text: str, n: int, *, reply_to: object = None) -> ObservedMessage:
    return ObservedMessage(
        community="memory:c1",
        message=MessageRef(CHANNEL, str(n)),
        author=author,  # type: ignore[arg-type]
        text=text,
        at=START + timedelta(seconds=10 * n),
        reply_to_author=reply_to,  # type: ignore[arg-type]
    )


def test_a_burst_of_replies_between_two_members_is_heat_once() -> None:
    heat = HeatDetector(reply_burst=6, window=timedelta(minutes=2))
    signals = []
    for n in range(10):
        author, other = (ANN, BEN) if n % 2 == 0 else (BEN, ANN)
        signals += heat.on_message(_message(author, "no, you are wrong", n, reply_to=other))
    assert len(signals) == 1, "one signal per quarrel, then a cooldown"
    (signal,) = signals
    assert signal.kind == "heat" and signal.values["count"] == "6"
    assert {signal.values["first"], signal.values["second"]} == {"Ann", "Ben"}


def test_replies_spread_out_or_one_sided_are_not_heat() -> None:
    heat = HeatDetector(reply_burst=4, window=timedelta(minutes=1))
    slow = [
        heat.on_message(
            ObservedMessage(
                "memory:c1",
                MessageRef(CHANNEL, str(n)),
                ANN if n % 2 else BEN,
                "hm",
                START + timedelta(minutes=n),
                BEN if n % 2 else ANN,
            )
        )
        for n in range(8)
    ]
    assert not any(slow)
    one_sided = [heat.on_message(_message(CAT, "look", n, reply_to=DAN)) for n in range(8)]
    assert not any(one_sided)
    # the same message seen twice (a retried batch) counts once
    again = HeatDetector(reply_burst=2)
    first = _message(ANN, "x", 1, reply_to=BEN)
    assert not again.on_message(first) and not again.on_message(first)


def test_shouting_and_flags() -> None:
    assert is_shouting("WHY DOES NOBODY READ THE RULES")
    assert not is_shouting("NASA and ESA")
    assert not is_shouting("Normal sentence here, nothing loud")
    heat = HeatDetector(shouts=3)
    shouted = [heat.on_message(_message(ANN, "STOP DOING THAT NOW", n)) for n in range(3)]
    assert [len(s) for s in shouted] == [0, 0, 1] and shouted[2][0].kind == "shouting"

    assert is_flag("🚩") and is_flag("⚠️") and is_flag(":triangular_flag_on_post:")
    assert not is_flag("👍")
    heat = HeatDetector(flags=3)
    target = MessageRef(CHANNEL, "99")

    def flag(who: object, emoji: str = "🚩") -> list[object]:
        return list(
            heat.on_reaction(
                ObservedReaction("memory:c1", target, who, emoji, START, message_author=DAN)  # type: ignore[arg-type]
            )
        )

    assert flag(ANN) == [] and flag(ANN) == [] and flag(DAN) == []  # repeats, own message
    assert flag(BEN, "👍") == [] and flag(BEN) == []
    (signal,) = flag(CAT)
    assert signal.kind == "flags" and signal.offender == DAN  # type: ignore[attr-defined]


def test_lexicon_detector_names_the_author() -> None:
    detector = LexiconDetector()
    (signal,) = detector.on_message(_message(ANN, "я тебя убью", 1))
    assert signal.offender == ANN and signal.severity is Severity.HIGH
    assert "я тебя убью" in signal.values["words"]
    assert detector.on_message(_message(ANN, "hello", 2)) == []
