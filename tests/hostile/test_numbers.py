"""Numbers typed or sent by members reach ``int`` and SQL only once they fit: digits that
``str.isdigit`` accepts but ``int`` refuses (``²``, ``٣``), thousands of digits (past
Python's conversion limit) and values past 64 bits answer like any wrong value."""

from __future__ import annotations

import pytest

from tests.escalation.support import Clock, take
from tests.harness import play
from tests.hostile.support import ANN, MALLORY, places, two_communities

HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("vote", "1 ²"),
        ("vote", f"1 {HUGE}"),
        ("faq", "list ²"),
        ("faq", f"list {HUGE}"),
        ("faq", "helpful ٣"),
        ("escalation", "set report_limit ²"),
        ("escalation", f"set report_limit {HUGE}"),
        ("escalation", f"set thresholds {HUGE} mute"),
        ("mute", f"{HUGE}d spam"),
        ("mute", "99999999999999999999d spam"),
        ("case", f"{2**64} claim"),
    ],
)
async def test_hostile_numbers_are_answered_not_failed(
    sqlite_url: str, command: str, argv: str
) -> None:
    clock = Clock()
    a, _b = places("telegram", clock)
    async with two_communities(sqlite_url, "telegram", clock) as (runtime, adapter):
        await play(runtime, a.command("poll", '"Lunch?" Pizza Sushi', who=ANN))
        rude = a.say(MALLORY, "rude")
        await play(runtime, rude)
        take(adapter)
        await play(runtime, a.command(command, argv, who=ANN, reply_to=rude))
        failed = {k: v for k, v in runtime.metrics.snapshot().items() if "feature_errors" in k}
        assert failed == {}
        assert take(adapter), "the caller is answered"
