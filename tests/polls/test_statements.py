"""What a vote costs in SQL statements (each one is a round trip: a worker-thread hop on
SQLite, a network round trip on PostgreSQL), and that the cheaper path keeps every rule."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from tests.conftest import migrate
from tests.polls.test_polls import ALICE, PollAdapter, press, start
from tests.support import MemoryAdapter, command
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import AnswerButton, EditMessage
from townsquare.storage.polls_models import PollVoteRow


@pytest.fixture
async def poll(database_url: str) -> AsyncIterator[tuple[Runtime, MemoryAdapter]]:
    """A running bot with poll #1 ("Lunch?": Pizza, Sushi) and #2 (the same, --multi)."""
    await migrate(database_url)
    adapter = PollAdapter()
    runtime = await start(database_url, adapter)
    await runtime.pipeline.submit(command("poll", "Lunch?", "Pizza", "Sushi", who=ALICE))
    await runtime.pipeline.submit(command("poll", "Day?", "Mon", "Tue", "--multi", who=ALICE))
    assert await runtime.worker.drain(timeout=15)
    yield runtime, adapter
    await runtime.stop()


@contextmanager
def statements(runtime: Runtime) -> Iterator[list[str]]:
    """The statements of the voting path: everything touching the poll tables, and the
    feature's savepoints (the delivery worker and scheduler touch neither)."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        text = " ".join(statement.split())
        if "poll" in text or text.startswith(("SAVEPOINT", "RELEASE")):
            seen.append(text)

    engine = runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def poll_statements(seen: list[str]) -> list[str]:
    return [text for text in seen if "poll" in text]


async def stored_votes(runtime: Runtime) -> list[tuple[str, int, int]]:
    async with runtime.engine.connect() as connection:
        rows = await connection.execute(
            select(PollVoteRow.user_id, PollVoteRow.poll_id, PollVoteRow.option).order_by(
                PollVoteRow.poll_id, PollVoteRow.user_id, PollVoteRow.option
            )
        )
        return [(row.user_id, row.poll_id, row.option) for row in rows]


async def test_a_first_vote_costs_three_statements(poll: tuple[Runtime, MemoryAdapter]) -> None:
    runtime, _adapter = poll
    with statements(runtime) as seen:
        await runtime.pipeline.submit(press("Bob", "poll:1:0"))
    # One read of the poll with Bob's votes, one tally, one INSERT at the end of the
    # chunk; no savepoint pair (the feature scope writes nothing itself).
    assert len(poll_statements(seen)) <= 3, seen
    assert len(seen) <= 3, seen
    assert await stored_votes(runtime) == [("bob", 1, 0)]


async def test_every_press_keeps_its_toast_and_rows(poll: tuple[Runtime, MemoryAdapter]) -> None:
    runtime, adapter = poll
    steps = [
        ("Bob", "poll:1:0", "Vote recorded"),
        ("Bob", "poll:1:0", "That is already your vote"),
        ("Bob", "poll:1:1", "Vote moved"),
        ("Bob", "poll:1:r", "Vote withdrawn"),
        ("Bob", "poll:1:r", "You have not voted"),
        ("Bob", "poll:2:0", "Option added to your votes"),
        ("Bob", "poll:2:1", "Option added to your votes"),
        ("Bob", "poll:2:0", "Option removed from your votes"),
        ("Bob", "poll:2:r", "Vote withdrawn"),
        ("Carol", "poll:2:1", "Option added to your votes"),
    ]
    for name, data, _toast in steps:
        await runtime.pipeline.submit(press(name, data))
    assert await runtime.worker.drain(timeout=15)
    answered = [a.toast for a in adapter.performed if isinstance(a, AnswerButton)]
    assert answered == [toast for _name, _data, toast in steps]
    assert await stored_votes(runtime) == [("carol", 2, 1)]


def tally_lines(action: EditMessage) -> tuple[str, str, str]:
    lines = action.text.plain().splitlines()
    return lines[2], lines[3], lines[5]


async def test_a_batch_of_presses_counts_the_tally_once_and_every_edit_is_exact(
    poll: tuple[Runtime, MemoryAdapter],
) -> None:
    runtime, _adapter = poll
    presses = [
        press("Bob", "poll:1:0"),
        press("Carol", "poll:1:0"),
        press("Dan", "poll:1:1"),
        press("Carol", "poll:1:1"),  # moves
        press("Bob", "poll:1:0"),  # unchanged: no edit
        press("Dan", "poll:1:r"),  # retracts
        press("Eve", "poll:1:1"),
    ]
    with statements(runtime) as seen:
        actions = await runtime.pipeline.process(presses)  # one batch, one transaction
    edits = [tally_lines(a) for a in actions if isinstance(a, EditMessage)]
    assert [
        (first.split(" — ")[1][0], second.split(" — ")[1][0], voters)
        for first, second, voters in edits
    ] == [
        ("1", "0", "1 voter"),
        ("2", "0", "2 voters"),
        ("2", "1", "3 voters"),
        ("1", "2", "3 voters"),
        ("1", "1", "2 voters"),
        ("1", "2", "3 voters"),
    ], "each edit shows the state after its own vote"
    tallies = [text for text in seen if "count(" in text]
    # Once on PostgreSQL too: the poll's row is locked by the transaction that counted it,
    # so no other process's vote can land in between.
    assert len(tallies) == 1, "counted once, then kept up to date"
    assert not [text for text in seen if text.startswith("SAVEPOINT")], "no write per vote"
    if runtime.store.dialect == "postgresql":
        assert any("FOR UPDATE OF polls" in text for text in seen), seen
    assert await stored_votes(runtime) == [("bob", 1, 0), ("carol", 1, 1), ("eve", 1, 1)]


async def test_a_failing_vote_drops_the_kept_tally(
    poll: tuple[Runtime, MemoryAdapter], monkeypatch: pytest.MonkeyPatch
) -> None:
    from townsquare.core.polls import feature

    runtime, _adapter = poll
    calls = []
    real_render = feature.render

    def flaky_render(*args: object, **kwargs: object) -> object:
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("rendering failed after the vote was written")
        return real_render(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(feature, "render", flaky_render)
    actions = await runtime.pipeline.process(
        [press("Bob", "poll:1:0"), press("Carol", "poll:1:0"), press("Dan", "poll:1:1")]
    )
    last = [a for a in actions if isinstance(a, EditMessage)][-1]
    assert tally_lines(last) == (
        "1. Pizza — 1 ▓▓▓▓▓░░░░░ 50%",
        "2. Sushi — 1 ▓▓▓▓▓░░░░░ 50%",
        "2 voters",
    ), "Carol's vote was rolled back with her feature scope, and the tally knows it"
    assert await stored_votes(runtime) == [("bob", 1, 0), ("dan", 1, 1)]
