"""The demo transcript shows a report, a claim and a resolution (console adapter, real
runtime, SQLite)."""

from __future__ import annotations

from pathlib import Path

from townsquare.bots.demo import SCRIPT, run_demo
from townsquare.bots.scenes import escalation


async def test_escalation_scene_in_the_demo(tmp_path: Path) -> None:
    assert all(step in SCRIPT for step in escalation.SCENE)
    transcript = "\n".join(await run_demo(escalation.SCENE, lambda _line: None, tmp_path))
    assert "No managers' inbox yet: managers get cases privately." in transcript
    flagged = transcript.split("Dave reacts 🚩", 1)[1]
    assert flagged.startswith("\ntownbot › (private to Alice) 🟠 Case #1 · medium · open")
    assert "Claim: `/case 1 claim`" in flagged  # no buttons on a console: typed commands
    report = transcript.split("Bob: (replying) /report insulting me", 1)[1]
    assert report.startswith(
        "\ntownbot › (deleted a message)"
        "\ntownbot › (private to Bob) Thank you, the managers have your report (case #1)."
    )
    assert "Reported by 1 member: Bob" in report.split("Alice: /case 1 claim")[0]
    claim = transcript.split("Alice: /case 1 claim", 1)[1].split("Alice: /case 1 warn")[0]
    assert "You claimed case #1." in claim and "Claimed by Alice" in claim
    assert "@Mallory has been warned (1/3). Reason: insulting me" in transcript
    assert "Resolving needs a note: send /case 1 resolve <note>" in transcript
    resolved = transcript.split("Alice: /case 1 resolve Warned Mallory", 1)[1]
    assert "(private to Bob) Managers reviewed the message you reported" in resolved
    assert "Resolved by Alice: Warned Mallory and talked to Bob" in resolved
    assert "Dismissed by Alice as a false alarm" in transcript
    assert "`#1` · medium · resolved · Mallory" in transcript
