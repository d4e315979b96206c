"""Fact types: immutable, stored as JSON under a stable kind, read back equal."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, get_type_hints

import pytest

from townsquare.core.facts import FACT_TYPES, Fact, FactError, decode, encode
from townsquare.core.features import on
from townsquare.core.refs import CommunityRef

AT = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
SAMPLES: dict[Any, Any] = {
    str: "x",
    int: 7,
    bool: True,
    datetime: AT + timedelta(hours=1),
    tuple[int, ...]: (0, 2),
    tuple[str, ...]: ("a", "b"),
    str | None: "y",
    int | None: 3,
    datetime | None: AT + timedelta(days=1),
}


def sample(cls: type[Fact]) -> Fact:
    hints = get_type_hints(cls)
    values = {field.name: SAMPLES[hints[field.name]] for field in dataclasses.fields(cls)}
    values.update(platform="telegram", community_id="-100", at=AT)
    return cls(**values)


@pytest.mark.parametrize("kind", sorted(FACT_TYPES))
def test_every_fact_type_reads_back_what_it_stored(kind: str) -> None:
    fact = sample(FACT_TYPES[kind])
    assert decode(encode(fact)) == fact
    with pytest.raises(dataclasses.FrozenInstanceError):
        fact.platform = "discord"  # type: ignore[misc]


def test_the_built_in_features_have_their_facts() -> None:
    assert {kind.split(".")[0] for kind in FACT_TYPES if not kind.startswith("test.")} == {
        "escalation",
        "polls",
        "faq",
        "onboarding",
        "rewards",
        "events",
        "giveaways",
        "people",
        "tickets",
        "feedback",
    }
    fact = sample(FACT_TYPES["polls.vote_cast"])
    assert fact.community == CommunityRef("telegram", "-100")


def test_a_fact_that_could_not_be_read_back_is_refused() -> None:
    @dataclass(frozen=True, slots=True, kw_only=True)
    class Odd(Fact):
        kind: ClassVar[str] = "test.odd"
        where: object

    with pytest.raises(FactError, match="cannot store a CommunityRef"):
        encode(Odd(platform="t", community_id=None, at=AT, where=CommunityRef("t", "1")))
    with pytest.raises(FactError, match="timezone"):
        encode(Odd(platform="t", community_id=None, at=datetime(2026, 1, 1), where=1))
    with pytest.raises(FactError, match="unknown fact kind"):
        decode({"kind": "test.gone", "fields": {}})


def test_two_fact_types_cannot_claim_one_kind() -> None:
    with pytest.raises(FactError, match="claimed"):

        @dataclass(frozen=True, slots=True, kw_only=True)
        class VoteCastAgain(Fact):
            kind: ClassVar[str] = "polls.vote_cast"


def test_a_fact_without_a_kind_of_its_own_cannot_be_published() -> None:
    with pytest.raises(FactError, match="no kind"):
        encode(Fact(platform="t", community_id=None, at=AT))


def test_on_takes_only_event_and_fact_types() -> None:
    with pytest.raises(TypeError, match="event or fact types"):
        on(CommunityRef)  # type: ignore[arg-type]
