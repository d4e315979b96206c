"""The demo transcript shows auto-answers in three languages and an unanswered question
surfacing for managers, then answered (console adapter, real runtime, SQLite)."""

from __future__ import annotations

from pathlib import Path

from townsquare.bots.demo import SCRIPT, run_demo
from townsquare.bots.scenes import faq


async def test_faq_scene_in_the_demo(tmp_path: Path) -> None:
    assert all(step in SCRIPT for step in faq.SCENE)
    transcript = "\n".join(await run_demo(faq.SCENE, lambda _line: None, tmp_path))
    asked = transcript.split("Bob: How can I reset my password?", 1)[1]
    assert asked.startswith("\ntownbot › 💡 How do I reset my password?")
    assert "👍 Helpful: `/faq helpful 1`" in asked  # no buttons on a console: typed commands
    assert "Carol: come posso reimpostare la password\ntownbot › 💡 Come reimposto" in transcript
    assert "Dave: как сменить пароль\ntownbot › 💡 Как поменять пароль?" in transcript
    assert "Carol: how are you all?\nDave:" in transcript, "small talk gets no answer"
    gaps = transcript.split("Alice: /faq unanswered", 1)[1]
    assert "2× where is the bike parking" in gaps.split("Alice:", 1)[0]
    assert "Dave: where can I park a bike?\ntownbot › 💡 Where can I park my bike?" in transcript
    assert "#1 How do I reset my password? — 1 hit · 👍 1 · 👎 0" in transcript
