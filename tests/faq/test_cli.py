"""``townsquare faq import|export``: every bad row named, nothing half-imported, progress
for large files, a round trip, and a running bot answering from imported entries."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest

from tests.faq.support import Chat, running, typed
from townsquare.bots.cli import main
from townsquare.core.refs import CommunityRef
from townsquare.storage.database import create_engine
from townsquare.storage.faq import SqlFaqStore
from townsquare.storage.migrate import upgrade
from townsquare.storage.store import SqlStore

COMMUNITY = "memory:c1"


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'town.db'}"
    config = tmp_path / "town.toml"
    config.write_text(
        f'[storage]\nurl = "{url}"\n\n[[bots]]\nname = "local"\nplatform = "console"\n'
    )
    return config, url


def entries(url: str, community: str = COMMUNITY) -> list[tuple[str, str]]:
    platform, _sep, ident = community.partition(":")

    async def read() -> list[tuple[str, str]]:
        engine = create_engine(url)
        try:
            await upgrade(engine)
            async with SqlStore(engine).transaction() as tx:
                found = await SqlFaqStore(tx).entries(CommunityRef(platform, ident))
                return [(e.question, e.answer) for e in found]
        finally:
            await engine.dispose()

    return asyncio.run(read())


def run(*argv: str) -> int:
    return main(["faq", *argv])


def import_file(config: Path, path: Path) -> int:
    """``townsquare faq import CONFIG PATH --community memory:c1``: the exit status."""
    return run("import", str(config), str(path), "--community", COMMUNITY)


def problems(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The lines written to stderr since the last look."""
    return capsys.readouterr().err.splitlines()


def write_widget_questions(path: Path, count: int) -> Path:
    """A CSV of ``count`` distinct questions about widgets, each with its answer."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["question", "answer"])
        for number in range(count):
            writer.writerow([f"How do I configure widget {number}?", f"Open panel {number}."])
    return path


def test_bad_rows_are_each_reported_and_nothing_is_imported(
    setup: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, url = setup
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "question,answer,notes\n"
        '"How do I reset my password?","Settings → Reset.",ok\n'
        '"",orphan answer,\n'
        "Where is the office?,,\n"
        "how do I reset my PASSWORD,duplicate,\n"
        f'"{"x" * 400}",too long,\n'
        "Only one column\n"
        "When is the meetup?,Thursdays.,ok\n",
        encoding="utf-8",
    )
    assert import_file(config, bad) == 1
    assert problems(capsys) == [
        f"{bad}: line 3: The question is empty.",
        f"{bad}: line 4: The answer is empty.",
        f"{bad}: line 5: the same question as line 2",
        f"{bad}: line 6: The question is too long: at most 300 characters.",
        f"{bad}: line 7: expected 3 columns, found 1",
        "nothing imported: 5 problem(s)",
    ]
    assert entries(url) == []

    yaml_file = tmp_path / "bad.yaml"
    yaml_file.write_text(
        "entries:\n"
        "  - question: Where is the office?\n    answer: Via Roma 1.\n"
        "  - question: Who are you?\n"
        "  - just text\n",
        encoding="utf-8",
    )
    assert import_file(config, yaml_file) == 1
    assert problems(capsys) == [
        f"{yaml_file}: entry 2 (line 4): missing 'answer'",
        f"{yaml_file}: entry 3 (line 5): expected a mapping with 'question' and 'answer'",
        "nothing imported: 2 problem(s)",
    ]
    assert entries(url) == []


def test_yaml_import_updates_round_trips_and_a_bot_answers(
    setup: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, url = setup
    good = tmp_path / "faq.yaml"
    good.write_text(
        "- question: How do I reset my password?\n  answer: Settings → Reset.\n"
        "- question: Come reimposto la password?\n  answer: Impostazioni.\n"
        "- question: Как поменять пароль?\n  answer: Настройки.\n",
        encoding="utf-8",
    )
    assert import_file(config, good) == 0
    assert capsys.readouterr().out == "3 added, 0 updated, 0 unchanged (memory:c1)\n"
    good.write_text(
        "- question: how do I reset my password\n  answer: Use the app.\n"
        "- question: Where is the office?\n  answer: Via Roma 1.\n",
        encoding="utf-8",
    )
    assert import_file(config, good) == 0
    assert capsys.readouterr().out == "1 added, 1 updated, 0 unchanged (memory:c1)\n"
    assert entries(url)[0] == ("How do I reset my password?", "Use the app.")
    assert entries(url, "console:town") == []  # other communities untouched

    exported = tmp_path / "out.csv"
    assert run("export", str(config), str(exported), "--community", COMMUNITY) == 0
    with exported.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["question"] for row in rows] == [
        "How do I reset my password?",
        "Come reimposto la password?",
        "Как поменять пароль?",
        "Where is the office?",
    ]
    assert import_file(config, exported) == 0
    assert "0 added, 0 updated, 4 unchanged" in capsys.readouterr().out
    assert run("export", str(config), "-", "--community", COMMUNITY, "--format", "yaml") == 0
    assert "question: Как поменять пароль?" in capsys.readouterr().out

    async def ask() -> str:
        async with running(url) as (runtime, adapter):
            (reply,) = await Chat(runtime, adapter).texts(typed("/faq как сменить пароль"))
            return reply

    assert asyncio.run(ask()) == "💡 Как поменять пароль?\nНастройки."


def test_large_files_show_progress(
    setup: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, url = setup
    big = write_widget_questions(tmp_path / "big.csv", 1000)
    assert import_file(config, big) == 0
    captured = capsys.readouterr()
    assert captured.out == "1000 added, 0 updated, 0 unchanged (memory:c1)\n"
    progress = captured.err.splitlines()
    assert progress[0] == "importing: 20% (200/1000)" and progress[-1].endswith("(1000/1000)")
    assert len(entries(url)) == 1000


def test_usage_errors(setup: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    config, _url = setup
    assert run("import", str(config), "x.txt", "--community", COMMUNITY) == 2
    assert "use a .csv, .yaml or .yml file" in capsys.readouterr().err
    assert run("import", str(config), "x.csv", "--community", "nowhere") == 2
    assert "expected PLATFORM:ID" in capsys.readouterr().err
    assert run("import", str(config), "x.csv", "--community", "irc:1") == 2
    assert "unknown platform 'irc'" in capsys.readouterr().err
    assert run("import", str(config), "missing.csv", "--community", "local:town") == 2
    assert "cannot read missing.csv" in capsys.readouterr().err


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere() -> None:
    import io

    from townsquare.bots.faq_cli import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = Progress(1000, "importing", screen, enabled=True)
    for _chunk in range(5):
        bar.advance(200)
    frames = screen.getvalue().split("\r")[1:]
    assert frames[0] == "importing [######------------------------]  20% 200/1000"
    assert frames[-1] == "importing [##############################] 100% 1000/1000\n"
    assert len(frames) == 5

    log = io.StringIO()
    lines = Progress(1000, "importing", log, enabled=True)
    for _step in range(100):
        lines.advance(10)
    shown = log.getvalue().splitlines()
    assert shown[0] == "importing: 1% (10/1000)", "the start, then a line every 10 %"
    assert shown[1:] == [f"importing: {n}0% ({n}00/1000)" for n in range(1, 10)] + [
        "importing: 100% (1000/1000)"
    ]
    quiet = io.StringIO()
    Progress(10, "importing", quiet, enabled=False).advance(10)
    assert quiet.getvalue() == ""


def test_a_failure_while_writing_leaves_nothing_half_imported(
    setup: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, url = setup
    big = write_widget_questions(tmp_path / "big.csv", 500)
    original = SqlFaqStore.add
    chunks = 0

    async def add_then_fail(self: SqlFaqStore, *args: object, **kwargs: object) -> list[int]:
        nonlocal chunks
        chunks += 1
        if chunks == 2:
            raise OSError("disk full")
        return await original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(SqlFaqStore, "add", add_then_fail)
    with pytest.raises(OSError, match="disk full"):
        import_file(config, big)
    assert chunks == 2, "the first chunk was written before the failure"
    assert entries(url) == [], "and rolled back with the rest"
