"""Invariants: threshold rules, durations, rule overrides, and case aggregation under
random report sequences (through the real runtime)."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from tests.escalation.support import Clock, Place, adapter, person, running, take
from tests.harness import play
from townsquare.core.actions import EditMessage, SendMessage
from townsquare.core.escalation.durations import format_duration, parse_duration
from townsquare.core.escalation.policy import EscalationPolicy, Threshold, threshold_reached

thresholds = st.lists(
    st.builds(
        Threshold,
        warnings=st.integers(1, 10),
        action=st.sampled_from(["mute", "remove"]),
        duration=st.one_of(st.none(), st.timedeltas(timedelta(minutes=1), timedelta(days=3))),
    ),
    max_size=4,
    unique_by=lambda threshold: threshold.warnings,
)


@given(thresholds, st.integers(0, 20))
def test_a_threshold_fires_exactly_at_its_count_or_past_the_last(
    rules: list[Threshold], active: int
) -> None:
    reached = threshold_reached(active, rules)
    counts = sorted(rule.warnings for rule in rules)
    if reached is None:
        assert active not in counts and (not counts or active < counts[-1])
    else:
        assert reached.warnings <= active
        assert reached.warnings == active or reached.warnings == counts[-1]
    if counts and active > counts[-1]:
        assert reached is not None and reached.warnings == counts[-1]


@given(st.timedeltas(timedelta(seconds=1), timedelta(days=400)))
def test_durations_read_back_rounded_down_and_close(value: timedelta) -> None:
    value = timedelta(seconds=int(value.total_seconds()))
    shown = format_duration(value)
    parsed = parse_duration(shown.replace(" ", ""))
    assert parsed is not None and parsed <= value
    largest = {"d": 86400, "h": 3600, "m": 60, "s": 1}[shown.split()[0][-1]]
    assert value - parsed < timedelta(seconds=largest)


@given(st.text(max_size=12))
def test_parse_duration_never_raises_and_is_positive(text: str) -> None:
    parsed = parse_duration(text)
    assert parsed is None or parsed > timedelta(0)


@given(st.dictionaries(st.sampled_from(["mute", "reannounce", "report_limit", "x"]), st.text()))
def test_stored_rules_that_no_longer_parse_fall_back_to_defaults(stored: dict[str, str]) -> None:
    policy = EscalationPolicy().with_overrides(stored)
    assert policy.report_limit >= 1 and policy.mute_duration > timedelta(0)


async def test_random_reports_aggregate_one_case_and_one_message_per_reported_message(
    sqlite_url: str,
) -> None:
    clock = Clock()
    tg = adapter("tg", "telegram")
    rng = random.Random(9)
    policy = EscalationPolicy(report_limit=100)
    async with running(
        sqlite_url, {"tg": tg}, clock=clock, escalate_to="tg:-100999", policy=policy, detectors=[]
    ) as rt:
        cases_so_far = 0
        for scenario in range(12):
            group = Place("tg", "telegram", f"-100{scenario}", f"-100{scenario}", clock=clock)
            messages = [group.say(person(f"Author{n}"), f"message {n}") for n in range(3)]
            await play(rt, *messages)
            reports = [(rng.randrange(5), rng.randrange(3)) for _ in range(rng.randrange(1, 12))]
            await play(
                rt,
                *(
                    group.command("report", who=person(f"Member{who}"), reply_to=messages[which])
                    for who, which in reports
                ),
            )
            done = take(tg)
            cards = [a for a in done if isinstance(a, SendMessage) and a.key]
            edits = [a for a in done if isinstance(a, EditMessage)]
            reported = sorted({which for _who, which in reports})
            distinct = {(who, which) for who, which in reports}
            assert len(cards) == len(reported), "one case message per reported message"
            # edits only for new reporters (fewer when an older edit is superseded)
            assert len(edits) <= len(distinct) - len(reported)
            keys = {card.key for card in cards}
            assert {edit.key for edit in edits} <= keys
            for card in cards:
                assert card.key is not None
                number = int(card.key.split(":")[1])
                assert cases_so_far < number <= cases_so_far + len(reported)
            for which in reported:
                reporters = {who for who, on in distinct if on == which}
                # what the managers finally see: the last performed send or edit
                last = [e for e in [*cards, *edits] if f"message {which}" in e.text.plain()][-1]
                expected = "member" if len(reporters) == 1 else "members"
                assert f"Reported by {len(reporters)} {expected}:" in last.text.plain()
            cases_so_far += len(reported)


def test_message_links_per_platform() -> None:
    from townsquare.core.escalation.links import message_link
    from townsquare.core.refs import ChannelRef, MessageRef

    slack = "https://town.slack.com/"
    in_channel = MessageRef(ChannelRef("C0GEN"), "1700000009.000100")
    in_thread = MessageRef(ChannelRef("C0GEN", thread_id="1700000001.000200"), "1700000009.000100")
    assert message_link("slack", "T1", in_channel, slack) == (
        "https://town.slack.com/archives/C0GEN/p1700000009000100"
    )
    assert message_link("slack", "T1", in_thread, slack) == (
        "https://town.slack.com/archives/C0GEN/p1700000009000100"
        "?thread_ts=1700000001.000200&cid=C0GEN"
    )
    assert message_link("slack", "T1", in_channel) is None, "no workspace address, no link"
    assert message_link("slack", "T1", in_channel, "javascript:alert(1)//") is None
    group = MessageRef(ChannelRef("-1001234567890"), "10")
    assert message_link("telegram", "-1001234567890", group) == "https://t.me/c/1234567890/10"
    assert message_link("telegram", "-42", MessageRef(ChannelRef("-42"), "10")) is None
