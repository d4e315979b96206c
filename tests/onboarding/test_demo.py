"""The demo transcript shows a gated welcome, /accept, a template refused with its reason
and a raid answered with one alert and one combined greeting (console adapter, real
runtime, SQLite, the durable job firing by itself)."""

from __future__ import annotations

import re
from pathlib import Path

from townsquare.bots.demo import SCRIPT, run_demo
from townsquare.bots.scenes import onboarding


async def test_onboarding_scene_in_the_demo(tmp_path: Path) -> None:
    assert all(step in SCRIPT for step in onboarding.SCENE)
    transcript = "\n".join(await run_demo(onboarding.SCENE, lambda _line: None, tmp_path))
    assert "This template cannot be used: Unknown variable {nmae}." in transcript
    dora = transcript.split("→ Dora joined", 1)[1].split("Bob: /accept", 1)[0]
    assert dora.startswith("\ntownbot › (muted dora)\ntownbot › Hi @Dora, welcome to Town Square!")
    assert "I accept the rules: `/accept`" in dora, "typed instead of a button on a console"
    accepted = transcript.split("Dora: /accept", 1)[1]
    assert accepted.startswith("\ntownbot › (unmuted dora)\ntownbot › Thank you! You can write")
    assert "Leggi le regole e accettale per iniziare a scrivere." in transcript
    raid = transcript.split("A join raid", 1)[1]
    assert raid.count("Join raid in Town Square") == 1
    assert raid.count("welcome to Town Square") == 5, "four at once, then one combined"
    combined = raid.split("… 6 seconds later", 1)[1]
    assert combined.startswith(
        "\ntownbot › Hi @raider05, @raider06 and 6 others, welcome to Town Square!"
    )


async def test_the_full_demo_shows_a_welcome_and_a_raid_batch(tmp_path: Path) -> None:
    """What ``townsquare demo`` prints: earlier scenes' joins count towards the raid
    window too, so how many raiders are greeted one by one depends on the pace; a welcome,
    one alert and one combined greeting are always there."""
    transcript = "\n".join(await run_demo(SCRIPT, lambda _line: None, tmp_path))
    assert "→ Bob joined\ntownbot › Welcome to Town Square, @Bob!" in transcript
    raid = transcript.split("A join raid", 1)[1]
    assert raid.count("Join raid in Town Square") == 1
    greetings = [line for line in raid.splitlines() if "welcome to Town Square" in line]
    assert 2 <= len(greetings) <= 10
    assert re.search(r"townbot › Hi @raider\d\d, @raider\d\d and \d+ others, welcome", raid)
