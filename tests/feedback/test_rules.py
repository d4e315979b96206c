"""The feedback board's pure rules: statuses, keyword routing, months, scopes."""

from __future__ import annotations

from datetime import UTC, datetime

from townsquare.core.feedback import rules
from townsquare.core.feedback.rules import Status, TeamKeywords


def test_statuses_read_as_typed() -> None:
    assert rules.parse_status("Planned") is Status.PLANNED
    assert rules.parse_status("in-progress") is Status.PROGRESS
    assert rules.parse_status("started") is Status.PROGRESS
    assert rules.parse_status("open") is Status.NEW
    assert rules.parse_status("shipped") is None
    assert rules.parse_status(None) is None
    assert Status.DUPLICATE not in rules.SETTABLE


def test_keywords_route_by_meaning_in_each_language() -> None:
    teams = [
        TeamKeywords("product", ("dark mode", "theme")),
        TeamKeywords("support", ("пароль", "password")),
        TeamKeywords("billing", ("fattura",)),
    ]
    assert rules.routed_team("Please add dark modes for the night", teams) == "product"
    assert rules.routed_team("A darker colour palette", teams) is None
    assert rules.routed_team("Не приходят пароли на почту", teams, "ru") == "support"
    assert rules.routed_team("Le fatture in PDF, per favore", teams, "it") == "billing"
    assert rules.routed_team("Mode of transport: dark?", teams) == "product"  # all terms
    assert rules.routed_team("", teams) is None


def test_keywords_are_cleaned() -> None:
    assert rules.clean_keywords(["dark mode, theme,, theme "]) == ("dark mode", "theme")
    assert rules.clean_keywords(["invoice billing invoice"]) == ("invoice", "billing")
    assert rules.valid_team("product-2") and not rules.valid_team("two words")
    assert not rules.valid_team("x" * (rules.MAX_TEAM + 1))


def test_months_and_scopes() -> None:
    at = datetime(2026, 12, 4, 5, 6, tzinfo=UTC)
    assert rules.next_month(at) == datetime(2027, 1, 1, tzinfo=UTC)
    assert rules.previous_month(at) == datetime(2026, 11, 1, tzinfo=UTC)
    assert rules.previous_month(datetime(2027, 1, 9, tzinfo=UTC)) == datetime(
        2026, 12, 1, tzinfo=UTC
    )
    assert rules.scope_of("town", "telegram", "-100") == "space:town"
    assert rules.scope_of(None, "telegram-ptb", "-100") == "community:telegram:-100"
