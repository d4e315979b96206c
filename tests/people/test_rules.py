"""The linking rules on their own: codes, the wrong-code limit, what a link joins."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from townsquare.core.people import rules
from townsquare.core.people.rules import Attempts, Plan

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_codes_are_eight_unambiguous_characters_and_differ() -> None:
    codes = {rules.new_code() for _ in range(200)}
    assert len(codes) == 200
    for value in codes:
        assert len(value) == rules.CODE_LENGTH
        assert set(value) <= set(rules.ALPHABET)
    assert not set("01OIL") & set(rules.ALPHABET)
    assert len(rules.ALPHABET) ** rules.CODE_LENGTH > 8 * 10**11


def test_new_code_draws_from_the_source_it_is_given() -> None:
    assert rules.new_code(lambda alphabet: alphabet[0]) == "AAAAAAAA"
    # the default source is the cryptographic one
    assert rules.new_code.__defaults__ == (secrets.choice,)


def test_typed_codes_ignore_case_spaces_and_dashes() -> None:
    assert rules.normalize("abcd-2345") == "ABCD2345"
    assert rules.normalize(" AB CD 23 45 ") == "ABCD2345"
    assert rules.normalize(rules.shown_code("ABCD2345")) == "ABCD2345"
    assert rules.shown_code("ABCD2345") == "ABCD-2345"


def test_what_cannot_be_a_code_is_refused() -> None:
    for typed in ("", "ABC", "ABCD23456", "ABCD0345", "discord", "ABCD-234O", "АВСD2345"):
        assert rules.normalize(typed) is None, typed


def test_only_a_hash_of_the_code_is_kept() -> None:
    digest = rules.code_hash("ABCD2345")
    assert len(digest) == 64 and "ABCD2345" not in digest
    assert digest == rules.code_hash("ABCD2345") != rules.code_hash("ABCD2346")


def test_five_wrong_codes_in_ten_minutes_lock_the_account_out() -> None:
    attempts = Attempts()
    for minute in range(rules.MAX_FAILURES - 1):
        attempts = rules.after_failure(attempts, NOW + timedelta(minutes=minute))
        assert not rules.locked(attempts, NOW + timedelta(minutes=minute))
    fifth = NOW + timedelta(minutes=5)
    attempts = rules.after_failure(attempts, fifth)
    assert attempts.failures == rules.MAX_FAILURES
    assert rules.locked(attempts, fifth)
    assert rules.locked(attempts, fifth + rules.LOCKOUT - timedelta(seconds=1))
    assert not rules.locked(attempts, fifth + rules.LOCKOUT)


def test_wrong_codes_further_apart_than_the_window_start_over() -> None:
    attempts = Attempts()
    for index in range(rules.MAX_FAILURES * 3):
        attempts = rules.after_failure(attempts, NOW + index * rules.FAILURE_WINDOW / 2)
        assert attempts.failures <= 2
        assert not rules.locked(attempts, NOW + index * rules.FAILURE_WINDOW / 2)


def test_a_wrong_code_after_a_lockout_starts_a_new_count() -> None:
    attempts = Attempts()
    for _ in range(rules.MAX_FAILURES):
        attempts = rules.after_failure(attempts, NOW)
    later = NOW + rules.LOCKOUT
    attempts = rules.after_failure(attempts, later)
    assert attempts.failures == 1 and not rules.locked(attempts, later)


TG_A, DC_A, DC_B, SL_A = ("telegram", "1"), ("discord", "9"), ("discord", "8"), ("slack", "U1")


def test_the_account_that_got_the_code_cannot_link_itself() -> None:
    decision = rules.plan_link(TG_A, 1, ["telegram"], TG_A, 1, ["telegram"])
    assert decision.plan is Plan.SAME_ACCOUNT


def test_two_accounts_of_one_person_are_already_linked() -> None:
    decision = rules.plan_link(TG_A, 1, ["discord", "telegram"], DC_A, 1, ["discord", "telegram"])
    assert decision.plan is Plan.ALREADY


def test_persons_join_whole_when_their_platforms_differ() -> None:
    decision = rules.plan_link(TG_A, 1, ["telegram"], DC_A, 2, ["discord", "slack"])
    assert decision.plan is Plan.JOIN


def test_a_person_never_gets_two_accounts_of_one_platform() -> None:
    decision = rules.plan_link(TG_A, 1, ["discord", "telegram"], DC_B, 2, ["discord"])
    assert decision.plan is Plan.CONFLICT and decision.platform == "discord"
    decision = rules.plan_link(SL_A, 1, ["slack"], DC_B, 2, ["discord", "slack"])
    assert decision.plan is Plan.CONFLICT and decision.platform == "slack"
