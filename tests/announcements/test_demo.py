"""The demo transcript shows an announcement posted at once, a weekly one scheduled,
listed and cancelled, and a member refused (console adapter, real runtime, SQLite)."""

from __future__ import annotations

from pathlib import Path

from townsquare.bots.demo import SCRIPT, run_demo
from townsquare.bots.scenes import announcements


async def test_announcements_scene_in_the_demo(tmp_path: Path) -> None:
    assert all(step in SCRIPT for step in announcements.SCENE)
    transcript = "\n".join(await run_demo(announcements.SCENE, lambda _line: None, tmp_path))
    posted = transcript.split("Alice: /announce --pin Board games night", 1)[1]
    assert posted.startswith(
        ": tomorrow at 19:00 in the library!"
        "\ntownbot › Board games night: tomorrow at 19:00 in the library!"
        "\ntownbot › Announcement #1 is posted."
        "\n          It is not pinned on townbot: that platform cannot pin messages."
    )
    weekly = transcript.split("Alice: /announce --at in 2h --every weekly", 1)[1]
    assert "Announcement #2 will be posted " in weekly and "then every week at that time" in weekly
    listed = transcript.split("Alice: /announcements", 1)[1].split("Alice: /announce cancel")[0]
    assert "Scheduled announcements:" in listed and "(every week) — Bring a game" in listed
    assert "#1" not in listed
    assert "Announcement #2 is cancelled: it is not posted again." in transcript
    assert transcript.endswith("townbot › Sorry, only managers can use /announce.")
