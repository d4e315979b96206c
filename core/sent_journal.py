"""What was sent but not yet marked sent: a file beside a SQLite database.

On SQLite one writer serves the pipeline and the delivery worker, so a row's "sent" mark
can wait a while for its turn; a SIGKILL in that wait used to send the row again after the
restart (sometimes several per kill). The journal closes that window: the moment the
platform accepts a send, one line naming the row is appended to ``<database>.sent`` with a
single ``write(2)`` (it is in the kernel's page cache at once, so it survives the process
being killed; like SQLite without ``fsync`` it does not promise to survive a power cut).
At the next start :meth:`SentJournal.replay` gives the rows sent whose marks never
committed, the runtime marks them sent before the worker claims anything
(:meth:`storage.outbox.SqlOutbox.outbox_replay_sent`), and the file is emptied.

The file stays small: lines of rows whose marks committed are dropped (the file is
truncated whenever nothing is outstanding, and rewritten with only the outstanding lines
once it grows past :attr:`SentJournal.compact_bytes`). Only one process writes it, since
SQLite's lock (:class:`storage.processes.SqliteLock`) admits one process per database.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from townsquare.core.refs import ChannelRef, MessageRef

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SentRow:
    """An outbox row the platform accepted: its attempts, and the message a keyed send
    created (to be remembered under its key)."""

    id: int
    bot: str
    attempts: int
    remember: tuple[str, MessageRef] | None = None


def _line(row: SentRow) -> bytes:
    entry: dict[str, object] = {"id": row.id, "bot": row.bot, "attempts": row.attempts}
    if row.remember is not None:
        key, message = row.remember
        entry["key"] = key
        entry["channel"] = message.channel.id
        entry["thread"] = message.channel.thread_id
        entry["message"] = message.message_id
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _parse(line: bytes) -> SentRow | None:
    """A journal line, or None for a line cut short by a kill in the middle of its write."""
    try:
        entry = json.loads(line)
        remember = None
        if "key" in entry:
            channel = ChannelRef(str(entry["channel"]), entry.get("thread"))
            remember = (str(entry["key"]), MessageRef(channel, str(entry["message"])))
        return SentRow(int(entry["id"]), str(entry["bot"]), int(entry["attempts"]), remember)
    except (ValueError, KeyError, TypeError):
        return None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class SentJournal:
    """The append-only record of sends whose "sent" marks are not committed yet."""

    compact_bytes = 256 * 1024
    """Past this size the file is rewritten with only the outstanding lines."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._size = 0
        self._outstanding: dict[int, bytes] = {}
        """Row id -> its line, for rows journaled whose marks have not committed."""

    @classmethod
    def beside(cls, database: Path) -> SentJournal:
        """The journal of the SQLite database file ``database``."""
        return cls(database.with_name(database.name + ".sent"))

    def replay(self) -> list[SentRow]:
        """The rows journaled by the last run (the last line of each row wins)."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        rows: dict[int, SentRow] = {}
        for line in data.splitlines():
            row = _parse(line) if line.strip() else None
            if row is not None:
                rows[row.id] = row
        return list(rows.values())

    def open(self) -> None:
        """Start a run with an empty journal (call after the replayed rows are marked)."""
        self.close()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        self._size = 0
        self._outstanding.clear()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def sent(self, row: SentRow) -> None:
        """Record a send the platform accepted, before anything else can happen."""
        if self._fd is None:
            return
        line = _line(row)
        try:
            _write_all(self._fd, line)
        except OSError as error:  # a full disk: the mark still commits, as without a journal
            log.warning("cannot write the sent journal %s: %s", self.path, error)
            return
        self._size += len(line)
        self._outstanding[row.id] = line

    def settled(self, rows: Iterable[int]) -> None:
        """Rows whose marks committed: their lines are no longer needed."""
        if self._fd is None:
            return
        for row_id in rows:
            self._outstanding.pop(row_id, None)
        if not self._size:
            return
        try:
            if not self._outstanding:
                os.ftruncate(self._fd, 0)
                self._size = 0
            elif self._size > self.compact_bytes:
                self._rewrite()
        except OSError as error:
            log.warning("cannot compact the sent journal %s: %s", self.path, error)

    def _rewrite(self) -> None:
        """Replace the file by one holding only the outstanding lines (atomically: a kill
        leaves either the old file or the new one)."""
        assert self._fd is not None
        data = b"".join(self._outstanding.values())
        temporary = self.path.with_name(self.path.name + ".new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        try:
            _write_all(fd, data)
            os.replace(temporary, self.path)
        except BaseException:
            os.close(fd)
            raise
        os.close(self._fd)
        self._fd = fd
        self._size = len(data)
