"""``townsquare faq import`` refuses exactly what ``/faq add`` refuses, because both go
through one service (:mod:`core.faq.service`): a broken rule is refused by both with the
same words, and a question an entry already asks (the same normalised question, not
just the same words) is never added a second time: ``/faq add`` says which entry asks
it, the import updates that entry."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest

from tests.conftest import migrate
from tests.faq.support import ALICE, Chat, running, typed
from tests.faq.test_cli import entries, import_file

EXISTING = ("How do I reset my password?", "Settings, Security, Reset password.")
ADDED = "FAQ entry #2 added."

CASES = [
    ("", "An answer.", "The question is empty."),
    ("How do I pay?", "", "The answer is empty."),
    ("x" * 301, "Too long.", "The question is too long: at most 300 characters."),
    ("How do I pay?", "y" * 3001, "The answer is too long: at most 3000 characters."),
    ("how do I reset my PASSWORD", "Again.", "Entry #1 already asks that."),
    ("Reset password?", "Again, shorter.", "Entry #1 already asks that."),
    ("Where is the office?", "Via Roma 1.", ADDED),
]
"""``(question, answer, how /faq add answers)``; the one accepted comes last."""


def quoted(text: str) -> str:
    return '"' + text + '"'


async def faq_add_answers(url: str) -> list[str]:
    await migrate(url)
    async with running(url) as (runtime, adapter):
        chat = Chat(runtime, adapter)
        await chat.texts(typed(f"/faq add {quoted(EXISTING[0])} {quoted(EXISTING[1])}", ALICE))
        answers = []
        for question, answer, _expected in CASES:
            (said,) = await chat.texts(
                typed(f"/faq add {quoted(question)} {quoted(answer)}", ALICE)
            )
            answers.append(said)
        return answers


def one_row(path: Path, question: str, answer: str) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["question", "answer"])
        writer.writerow([question, answer])
    return path


def test_the_cli_refuses_what_faq_add_refuses(
    tmp_path: Path, setup: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    answers = asyncio.run(faq_add_answers(f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"))
    for said, (_question, _answer, expected) in zip(answers, CASES, strict=True):
        assert said.startswith(expected), (said, expected)

    config, url = setup
    assert import_file(config, one_row(tmp_path / "seed.csv", *EXISTING)) == 0
    capsys.readouterr()
    for number, (question, answer, expected) in enumerate(CASES):
        row = one_row(tmp_path / f"row{number}.csv", question, answer)
        status = import_file(config, row)
        out, err = capsys.readouterr()
        if expected == ADDED:
            assert status == 0 and out.startswith("1 added, 0 updated"), (question, out, err)
        elif expected.startswith("Entry #1"):  # asked already: that entry is updated
            assert status == 0 and out.startswith("0 added, 1 updated"), (question, out, err)
            assert entries(url)[0] == (EXISTING[0], answer)
        else:  # the same sentence /faq add answered
            assert status == 1, (question, out, err)
            assert err.splitlines()[0] == f"{row}: line 2: {expected}"
    assert [q for q, _a in entries(url)] == [EXISTING[0], "Where is the office?"]


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'town.db'}"
    config = tmp_path / "town.toml"
    config.write_text(
        f'[storage]\nurl = "{url}"\n\n[[bots]]\nname = "local"\nplatform = "console"\n'
    )
    return config, url
