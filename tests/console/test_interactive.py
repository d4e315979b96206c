"""``townsquare console`` as a person at a terminal uses it, in a pseudo-terminal: a prompt
with the current member's name, every message numbered as ``[N] name: text``, buttons as
numbered choices for ``:press N``, ``:reply N`` to the N-th message (not the last line
typed), private answers labelled one way, ``:help``."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from collections.abc import Iterator

import pytest


class Terminal:
    """A process on a pseudo-terminal; :meth:`expect` reads until a text appears."""

    def __init__(self, *argv: str) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "townsquare.bots.cli", *argv],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            close_fds=True,
        )
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, deadline: float = 60) -> str:
        """Everything shown up to and including ``text`` (a safety bound, not a timing)."""
        while text not in self.seen:
            ready, _, _ = select.select([self.master], [], [], deadline)
            assert ready, f"{text!r} never appeared; the terminal shows:\n{self.seen}"
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the process closed the terminal
                chunk = b""
            assert chunk, f"{text!r} never appeared before the end:\n{self.seen}"
            self.seen += chunk.decode(errors="replace").replace("\r\n", "\n")
        shown, _, self.seen = self.seen.partition(text)
        return shown + text

    def type(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def close(self) -> int:
        code = self.process.wait(timeout=60)
        os.close(self.master)
        return code


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    session = Terminal("console")
    yield session
    if session.process.poll() is None:
        session.process.kill()
        session.process.wait(timeout=60)


def test_a_conversation_people_can_follow(terminal: Terminal) -> None:
    terminal.expect("you are alice (a manager)")
    terminal.expect("alice> ")

    terminal.type('/poll "Lunch?" "Pizza" "Sushi"')
    shown = terminal.expect("— :press N")
    assert '[1] alice: /poll "Lunch?" "Pizza" "Sushi"' in shown
    assert "[2] townbot: 📊 #1 Lunch?" in shown
    assert "(1) 1. Pizza  (2) 2. Sushi  (3) Retract vote" in shown
    terminal.expect("alice> ")

    terminal.type(":as Bob")
    terminal.expect("(you are now Bob)\nBob> ")
    terminal.type(":press 2")
    shown = terminal.expect("— :press N")
    assert "(Bob pressed 2. Sushi)" in shown
    assert "(private to Bob) townbot: Vote recorded" in shown
    assert "[2] (edited) townbot: 📊 #1 Lunch?" in shown and "2. Sushi — 1" in shown

    terminal.expect("Bob> ")
    terminal.type("hello")
    terminal.expect("[3] Bob: hello\nBob> ")

    terminal.type(":as alice")
    terminal.expect("alice> ")
    terminal.type("/dance")
    terminal.expect("[5] townbot: Unknown command /dance")
    terminal.type(":reply 3 /warnings")  # to Bob's message, not to the failed command
    shown = terminal.expect("active warnings")
    assert "[6] alice: (reply to [3]) /warnings" in shown
    assert "[7] townbot: Bob has 0 active warnings" in shown

    terminal.expect("alice> ")
    terminal.type(":help")
    shown = terminal.expect(":quit         leave the console")
    for control in (":as NAME", ":join NAME", ":reply N TEXT", ":react N EMOJI", ":press N"):
        assert control in shown
    terminal.type(":reply 42 hi")
    terminal.expect("no message [42]")
    terminal.type(":quit")
    assert terminal.close() == 0
