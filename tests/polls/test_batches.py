"""Votes handled a chunk at a time (read ahead once, written in multi-row statements) end
exactly as the same votes one by one: the same rows, the same last tally, every edit the
state after its own vote; and a chunk costs the same few statements however many vote."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest

from tests.conftest import migrate
from tests.polls.test_polls import ALICE, PollAdapter, press, start
from tests.polls.test_statements import poll_statements, statements, stored_votes
from tests.support import command
from townsquare.bots.config import parse_config
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import EditMessage
from townsquare.core.events import ButtonPressed
from townsquare.core.features import Context, Feature, on


@pytest.fixture
async def voting(database_url: str) -> AsyncIterator[Runtime]:
    """A running bot with polls #1, #3 ("Lunch?": A, B, C) and #2, #4 (the same, --multi)."""
    await migrate(database_url)
    adapter = PollAdapter()
    runtime = await start(database_url, adapter)
    for _twice in range(2):
        await runtime.pipeline.submit(command("poll", "Lunch?", "A", "B", "C", who=ALICE))
        await runtime.pipeline.submit(
            command("poll", "Days?", "Mon", "Tue", "Wed", "--multi", who=ALICE)
        )
    assert await runtime.worker.drain(timeout=15)  # the poll messages exist to press on
    yield runtime
    await runtime.stop()


def script(seed: int, count: int) -> list[tuple[str, int, str]]:
    """(voter, poll 1 or 2, option or r): repeats, moves, retracts, multi toggles."""
    rng = random.Random(seed)
    voters = [f"Voter{n}" for n in range(12)]
    return [
        (rng.choice(voters), rng.choice((1, 2)), rng.choice(("0", "1", "2", "r")))
        for _n in range(count)
    ]


def tallies(actions: list[object]) -> list[tuple[str, str]]:
    """(poll key, the edit's text below its "#id question" title) of every tally edit."""
    return [
        (action.key or "", action.text.plain().split("\n", 1)[1])
        for action in actions
        if isinstance(action, EditMessage)
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_a_batch_of_votes_equals_the_same_votes_one_by_one(
    voting: Runtime, seed: int
) -> None:
    runtime = voting
    steps = script(seed, 120)
    batched = [press(name, f"poll:{poll}:{option}") for name, poll, option in steps]
    single = [press(name, f"poll:{poll + 2}:{option}") for name, poll, option in steps]

    together = await runtime.pipeline.process(batched)  # chunks of 32, one transaction
    alone: list[object] = []
    for event in single:
        alone += await runtime.pipeline.process([event])

    def renamed(edits: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [
            (key.replace("poll:3", "poll:1").replace("poll:4", "poll:2"), t) for key, t in edits
        ]

    # pipeline.process keeps only the newest edit of each poll per batch: compare the last.
    last_together = dict(tallies(list(together)))
    last_alone = dict(renamed(tallies(alone)))
    assert last_together == last_alone
    rows = await stored_votes(runtime)
    first = sorted((user, poll, option) for user, poll, option in rows if poll <= 2)
    second = sorted((user, poll - 2, option) for user, poll, option in rows if poll > 2)
    assert first == second and first, "the same votes stored, none lost or doubled"


async def test_each_edit_in_a_chunk_shows_its_own_vote(
    voting: Runtime,
) -> None:
    runtime = voting
    # The pipeline keeps only a batch's newest edit: run one chunk's steps by hand.
    events: list[ButtonPressed] = [press(name, "poll:1:0") for name in ("Bob", "Carol", "Dan")]
    async with runtime.store.transaction() as tx:
        await runtime.dispatcher.prepare(events, tx)
        texts = []
        for event in events:
            actions = await runtime.dispatcher.dispatch(event, tx, runtime.pipeline.clock())
            texts += [a.text.plain() for a in actions if isinstance(a, EditMessage)]
        await runtime.dispatcher.finish(tx)
    voters = [text.splitlines()[-1] for text in texts]
    assert voters == ["1 voter", "2 voters", "3 voters"]
    assert [row for row in await stored_votes(runtime) if row[1] == 1] == [
        ("bob", 1, 0),
        ("carol", 1, 0),
        ("dan", 1, 0),
    ]


async def test_a_chunk_of_votes_costs_the_same_statements_as_one(
    voting: Runtime,
) -> None:
    runtime = voting
    await runtime.pipeline.process([press("Warm", "poll:1:0")])
    with statements(runtime) as one:
        await runtime.pipeline.process([press("Solo", "poll:1:1")])
    with statements(runtime) as chunk:
        await runtime.pipeline.process([press(f"Many{n}", f"poll:1:{n % 3}") for n in range(32)])
    assert len(poll_statements(chunk)) == len(poll_statements(one)) <= 3, chunk
    assert not [text for text in chunk if text.startswith("SAVEPOINT")], chunk
    assert len([row for row in await stored_votes(runtime) if row[1] == 1]) == 34


class FailsOnCarol(Feature):
    """Another feature that raises on one press of the chunk, after polls handled it."""

    name = "fails-on-carol"

    @on(ButtonPressed)
    async def pressed(self, event: ButtonPressed, ctx: Context) -> None:
        if event.actor is not None and event.actor.user_id == "carol":
            raise RuntimeError("another feature fails on this press")


async def test_another_feature_failing_in_the_chunk_loses_no_vote(database_url: str) -> None:
    await migrate(database_url)
    adapter = PollAdapter()
    runtime = Runtime(
        parse_config(
            {"storage": {"url": database_url}, "bots": [{"name": "mem", "platform": "console"}]},
            {},
            "t",
        ),
        adapters={"mem": adapter},
        extra_features=[FailsOnCarol()],
    )
    await runtime.start()
    try:
        await runtime.pipeline.submit(command("poll", "Lunch?", "A", "B", who=ALICE))
        assert await runtime.worker.drain(timeout=15)
        presses = [press(name, "poll:1:0") for name in ("Bob", "Carol", "Dan", "Eve")]
        actions = await runtime.pipeline.process(presses)
        edits = [a.text.plain().splitlines()[-1] for a in actions if isinstance(a, EditMessage)]
        assert edits == ["1 voter", "2 voters", "3 voters", "4 voters"]
        assert [row for row in await stored_votes(runtime) if row[1] == 1] == [
            ("bob", 1, 0),
            ("carol", 1, 0),
            ("dan", 1, 0),
            ("eve", 1, 0),
        ], "the votes kept before the failure are written, the ones after too"
    finally:
        await runtime.stop()
