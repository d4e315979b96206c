"""Typed button payloads: packed within Telegram's 64 bytes, parsed back exactly, and
refused at start when they could not fit or when two features' prefixes could be confused.
Anything but the exact form ``pack`` writes parses to None."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from townsquare.core.buttons import (
    MAX_BYTES,
    Alias,
    MaxLen,
    Payload,
    PayloadError,
    PayloadTooLong,
    check,
    check_all,
    clash,
    escape,
    find,
)
from townsquare.core.scope import MAX_ID


class Kind(StrEnum):
    YES = "y"
    NO = "n"


@dataclass(frozen=True, slots=True)
class Vote(Payload):
    prefix: ClassVar[str] = "t_vote"
    item: int
    option: Annotated[int, MaxLen(2), Alias({-1: "r"})]


@dataclass(frozen=True, slots=True)
class Rate(Payload):
    prefix: ClassVar[str] = "t_rate"
    item: int
    kind: Kind
    sure: bool = False


@dataclass(frozen=True, slots=True)
class Accept(Payload):
    prefix: ClassVar[str] = "t_onb:acc"
    separator: ClassVar[str] = "@"
    user: Annotated[str, MaxLen(28)] | None = None
    community: Annotated[str, MaxLen(24)] | None = None


def test_the_wire_forms() -> None:
    assert Vote(12, 3).pack() == "t_vote:12:3"
    assert Vote(12, -1).pack() == "t_vote:12:r"
    assert Rate(7, Kind.NO).pack() == "t_rate:7:n:0"
    assert Accept().pack() == "t_onb:acc"
    assert Accept("bob").pack() == "t_onb:acc:bob"
    assert Accept("bob", "-100123").pack() == "t_onb:acc:bob@-100123"
    assert Accept("a:b@c d").pack() == "t_onb:acc:a%3Ab%40c%20d", "separators are escaped"
    for data, payload in [
        ("t_vote:12:r", Vote(12, -1)),
        ("t_rate:7:y:1", Rate(7, Kind.YES, True)),
        ("t_onb:acc", Accept()),
        ("t_onb:acc:bob@c1", Accept("bob", "c1")),
        ("t_onb:acc:%C3%A9", Accept("é")),
    ]:
        assert type(payload).parse(data) == payload


@pytest.mark.parametrize(
    "data",
    [
        "t_vote",
        "t_vote:",
        "t_vote:12",
        "t_vote:12:3:4",
        "t_vote:12:100",  # more digits than declared
        "t_vote:012:3",  # not the form pack writes
        "t_vote:-1:3",
        "t_vote:١٢:3",  # non-ASCII digits
        f"t_vote:{MAX_ID + 1}:0",  # past what SQL stores
        "t_vote:12:x",
        "t_votes:12:3",
        "poll:12:3",
        "t_rate:7:maybe:0",
        "t_rate:7:y:2",
        "t_onb:acc:",
        "t_onb:acc:bob@",
        "t_onb:acc:b:ob",  # a raw separator inside a field
        "t_onb:acc:%zz",
        "t_onb:acc:%ff",  # not UTF-8
        "t_onb:acc:%61",  # "a" escaped: not canonical
        "t_onb:acc:" + "x" * 29,
    ],
)
def test_garbled_or_forged_data_parses_to_nothing(data: str) -> None:
    assert Vote.parse(data) is None and Rate.parse(data) is None and Accept.parse(data) is None


@settings(max_examples=300, deadline=None)
@given(
    user=st.text(max_size=10) | st.none(),
    community=st.text(max_size=8),
    item=st.integers(0, MAX_ID),
    option=st.integers(-1, 99),
)
def test_whatever_is_packed_parses_back_and_fits(
    user: str | None, community: str, item: int, option: int
) -> None:
    packed = [Vote(item, option).pack(), Rate(item, Kind.YES, option > 0).pack()]
    if user:
        try:
            packed.append(Accept(user, community or None).pack())
        except PayloadTooLong:
            assert len(escape(user)) > 28 or len(escape(community)) > 24
    for data in packed:
        assert len(data.encode()) <= MAX_BYTES
        parsed = next(p for cls in (Vote, Rate, Accept) if (p := cls.parse(data)) is not None)
        assert parsed.pack() == data


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=70))
def test_parsing_never_raises_and_accepts_only_canonical_forms(data: str) -> None:
    for cls in (Vote, Rate, Accept):
        parsed = cls.parse(data)
        assert parsed is None or parsed.pack() == data


def test_a_value_past_its_declared_size_is_refused_when_packed() -> None:
    with pytest.raises(PayloadTooLong):
        Vote(1, 100).pack()
    with pytest.raises(PayloadTooLong):
        Accept("x" * 29).pack()


def test_a_payload_that_could_pass_64_bytes_is_refused() -> None:
    @dataclass(frozen=True, slots=True)
    class Big(Payload):
        prefix: ClassVar[str] = "big"
        note: Annotated[str, MaxLen(40)]
        other: Annotated[str, MaxLen(20)]

    with pytest.raises(PayloadError, match="more than a button carries"):
        check(Big)
    assert check(Vote) == len("t_vote") + 1 + 19 + 1 + 2


def test_unusable_classes_are_refused() -> None:
    @dataclass(slots=True)
    class Loose(Payload):
        prefix: ClassVar[str] = "loose"
        item: int

    @dataclass(frozen=True, slots=True)
    class Unbounded(Payload):
        prefix: ClassVar[str] = "unbounded"
        text: str

    @dataclass(frozen=True, slots=True)
    class BadPrefix(Payload):
        prefix: ClassVar[str] = "Bad Prefix"

    @dataclass(frozen=True, slots=True)
    class Floating(Payload):
        prefix: ClassVar[str] = "floating"
        share: float

    for cls, reason in [
        (Loose, "frozen"),
        (Unbounded, "MaxLen"),
        (BadPrefix, "prefix"),
        (Floating, "cannot be packed"),
    ]:
        with pytest.raises(PayloadError, match=reason):
            check(cls)


def test_prefixes_that_could_be_confused_are_refused() -> None:
    @dataclass(frozen=True, slots=True)
    class Onb(Payload):
        prefix: ClassVar[str] = "t_onb"
        step: int

    @dataclass(frozen=True, slots=True)
    class OtherVote(Payload):
        prefix: ClassVar[str] = "t_vote"

    assert clash("t_onb", "t_onb:acc") and not clash("t_vote", "t_votes")
    check_all([("polls", Vote), ("onboarding", Accept), ("faq", Rate)])
    with pytest.raises(PayloadError, match=r"'t_onb' \(welcome: Onb\) clashes with 't_onb:acc'"):
        check_all([("onboarding", Accept), ("welcome", Onb)])
    with pytest.raises(PayloadError, match="clashes"):
        check_all([("polls", Vote), ("other", OtherVote)])


def test_the_router_finds_the_one_prefix_data_starts_with() -> None:
    routes = {"t_vote": "vote", "t_onb:acc": "accept", "t_rate": "rate"}
    assert find(routes, "t_vote:1:2") == "vote"
    assert find(routes, "t_onb:acc") == "accept"
    assert find(routes, "t_onb:acc:bob@c1") == "accept"
    assert find(routes, "t_onb:other") is None and find(routes, "t_votes:1") is None
