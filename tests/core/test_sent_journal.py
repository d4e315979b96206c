"""The sent journal's file: what a restart reads back, and how it stays small."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.support import enqueue
from townsquare.core.actions import SendMessage
from townsquare.core.refs import ChannelRef, MessageRef
from townsquare.core.sent_journal import SentJournal, SentRow
from townsquare.core.text import as_text
from townsquare.storage.database import sqlite_file
from townsquare.storage.store import SqlStore

CARD = ("case:7", MessageRef(ChannelRef("-100", "42"), "9001"))


def send(n: int) -> SendMessage:
    return SendMessage(bot="mem", channel=ChannelRef("general"), text=as_text(f"message {n}"))


def test_only_a_sqlite_file_has_a_journal(tmp_path: Path) -> None:
    database = sqlite_file(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    assert database == tmp_path / "bot.db"
    assert SentJournal.beside(database).path == tmp_path / "bot.db.sent"
    assert sqlite_file("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_file("postgresql+asyncpg://bot@127.0.0.1/bot") is None


def test_a_restart_reads_back_every_send_not_settled(tmp_path: Path) -> None:
    journal = SentJournal(tmp_path / "bot.db.sent")
    journal.open()
    journal.sent(SentRow(1, "tg", 1))
    journal.sent(SentRow(2, "tg", 3, CARD))
    journal.sent(SentRow(3, "dc", 1))
    journal.settled([3])  # committed: not needed any more, but the file is only compacted
    journal.close()  # as a SIGKILL leaves it: nothing flushed or closed by Python

    again = SentJournal(tmp_path / "bot.db.sent")
    rows = {row.id: row for row in again.replay()}
    assert rows[1] == SentRow(1, "tg", 1)
    assert rows[2] == SentRow(2, "tg", 3, CARD)
    assert set(rows) <= {1, 2, 3}
    again.open()
    assert again.replay() == []


def test_a_line_cut_short_by_a_kill_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "bot.db.sent"
    journal = SentJournal(path)
    journal.open()
    journal.sent(SentRow(1, "tg", 1))
    journal.close()
    with path.open("ab") as file:
        file.write(b'{"id":2,"bot":"t')
    assert SentJournal(path).replay() == [SentRow(1, "tg", 1)]


def test_the_file_is_emptied_when_nothing_is_outstanding(tmp_path: Path) -> None:
    path = tmp_path / "bot.db.sent"
    journal = SentJournal(path)
    journal.open()
    journal.sent(SentRow(1, "tg", 1))
    journal.sent(SentRow(2, "tg", 1))
    journal.settled([1])
    assert path.stat().st_size > 0
    journal.settled([2])
    assert path.stat().st_size == 0
    journal.sent(SentRow(3, "tg", 2))
    assert SentJournal(path).replay() == [SentRow(3, "tg", 2)]


def test_a_busy_journal_is_rewritten_with_only_what_is_outstanding(tmp_path: Path) -> None:
    path = tmp_path / "bot.db.sent"
    journal = SentJournal(path)
    journal.compact_bytes = 2_000
    journal.open()
    journal.sent(SentRow(0, "tg", 1))  # never settled: always one send outstanding
    for row_id in range(1, 500):
        journal.sent(SentRow(row_id, "tg", 1, CARD))
        journal.settled([row_id])
    assert path.stat().st_size < 2_500
    replayed = {row.id for row in SentJournal(path).replay()}
    assert 0 in replayed and len(replayed) < 30  # settled lines since the last rewrite
    journal.sent(SentRow(600, "tg", 1))
    assert {0, 600} <= {row.id for row in SentJournal(path).replay()}


async def test_the_replay_marks_pending_rows_sent_and_remembers_their_keys(
    store: SqlStore,
) -> None:
    await enqueue(store, *(send(n) for n in range(3)))
    ids = sorted(row["id"] for row in await store.outbox_status())
    rows = [SentRow(ids[0], "mem", 2, CARD), SentRow(ids[1], "another bot", 1)]
    assert await store.outbox_replay_sent(rows, datetime.now(UTC)) == 1
    status = {row["id"]: row["status"] for row in await store.outbox_status()}
    assert status == {ids[0]: "sent", ids[1]: "pending", ids[2]: "pending"}
    assert await store.sent_message("mem", "case:7") == CARD[1]
    assert await store.outbox_replay_sent(rows, datetime.now(UTC)) == 0, "already sent"
