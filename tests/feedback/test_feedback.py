"""The feedback board through the real runtime, pipeline, outbox, scheduler and SQL store
(SQLite, and PostgreSQL where a server answers)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from tests.conftest import migrate
from tests.feedback.support import (
    BOB,
    CAROL,
    DAN,
    PostAdapter,
    answers,
    directs,
    edits,
    fire_jobs,
    play,
    posts,
    press,
    said,
    start,
)
from tests.support import manager
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import AnswerButton, SendDirect
from townsquare.core.refs import ChannelRef
from townsquare.storage.database import create_engine
from townsquare.storage.feedback_models import FeedbackChangeRow

ALICE = manager("Alice")


@pytest.fixture
async def running(database_url: str) -> AsyncIterator[tuple[Runtime, PostAdapter]]:
    await migrate(database_url)
    adapter = PostAdapter()
    runtime = await start(database_url, adapter)
    yield runtime, adapter
    await runtime.stop()


def toasts(adapter: PostAdapter) -> list[str]:
    return [a.toast for a in adapter.performed if isinstance(a, AnswerButton)]


async def test_file_vote_and_status_change_reach_every_backer_once(
    running: tuple[Runtime, PostAdapter], database_url: str
) -> None:
    runtime, adapter = running
    await play(runtime, said("/feedback board here", ALICE))
    assert answers(adapter.performed)[-1].startswith("This channel is now the feedback board")

    await play(runtime, said("/feedback A dark mode for the mobile app", BOB))
    (post,) = posts(adapter.performed)
    assert post.key == "feedback:1:1"
    text = post.text.plain()
    assert "#1 1 vote · New" in text and "A dark mode for the mobile app" in text
    assert "— Bob" in text
    assert [[b.data for b in row] for row in post.buttons] == [["fb:v:1"]]
    (told,) = directs(adapter.performed, "bob")
    assert told.startswith("Thanks! Your idea is #1.")

    await play(
        runtime,
        press("fb:v:1", CAROL, "msg-feedback:1:1"),
        press("fb:v:1", CAROL, "msg-feedback:1:1"),
        press("fb:v:1", BOB, "msg-feedback:1:1"),
    )
    assert toasts(adapter) == [
        "Voted for #1: 2 votes now.",
        "You have already voted for #1.",
        "You have already voted for #1.",
    ]
    # a press on another message counts nowhere
    await play(runtime, press("fb:v:1", DAN, "elsewhere"))
    assert toasts(adapter)[-1] == "This idea no longer exists."
    await play(runtime, said("/feedback vote 1", DAN))
    assert answers(adapter.performed)[-1] == "Voted for #1: 3 votes now."
    assert "3 votes · New" in edits(adapter.performed, "feedback:1:1")[-1]

    # a member cannot change a status
    before = len(adapter.performed)
    await play(runtime, said("/feedback status 1 done", BOB))
    assert answers(adapter.performed[before:]) == ["Sorry, only managers can use /feedback status."]
    await play(runtime, said("/feedback status 1 planned Coming in the spring release", ALICE))
    assert answers(adapter.performed)[-1] == (
        "Idea #1 is now Planned; 3 backers will be told privately."
    )
    assert "3 votes · Planned" in edits(adapter.performed, "feedback:1:1")[-1]
    await play(runtime, said("/feedback status 1 progress", ALICE))
    before = len(adapter.performed)
    await fire_jobs(runtime)
    await fire_jobs(runtime)
    sent = [a for a in adapter.performed[before:] if isinstance(a, SendDirect)]
    assert sorted(a.user_id for a in sent) == ["bob", "carol", "dan"]
    for each in sent:  # both changes in one message per person
        text = each.text.plain()
        assert text.startswith("An idea you backed has a new status:"), text
        assert text.count("#1 A dark mode for the mobile app") == 1
        assert "→ In progress" in text and "Planned" not in text.split("→")[-1]

    engine = create_engine(database_url)
    async with engine.connect() as connection:
        audit = (await connection.execute(select(FeedbackChangeRow))).all()
    await engine.dispose()
    assert [(r.old, r.status, r.note, r.by) for r in audit] == [
        ("new", "planned", "Coming in the spring release", "memory:alice"),
        ("planned", "progress", None, "memory:alice"),
    ]


async def test_a_similar_idea_is_offered_before_filing(
    running: tuple[Runtime, PostAdapter],
) -> None:
    runtime, adapter = running
    await play(runtime, said("/feedback board here", ALICE))
    await play(runtime, said("/feedback A dark mode for the mobile app", BOB))
    before = len(adapter.performed)
    await play(runtime, said("/idea please add dark mode to the app", CAROL))
    assert posts(adapter.performed[before:]) == []
    (offer,) = [a for a in adapter.performed[before:] if isinstance(a, SendDirect)]
    text = offer.text.plain()
    assert text.startswith("Similar ideas are on the board already:"), text
    assert "Vote for #1 instead?" in text
    assert [[b.data for b in row] for row in offer.buttons] == [["fb:o:1:1"], ["fb:f:1"]]

    sent = await runtime.store.sent_message("mem", "feedback-offer:1")
    assert sent is not None
    dm = ChannelRef(sent.channel.id, is_direct=True)
    # someone else cannot use Carol's offer, nor she another message
    await play(runtime, press("fb:o:1:1", DAN, sent.message_id, dm))
    assert toasts(adapter)[-1] == "This idea no longer exists."
    await play(runtime, press("fb:o:1:1", CAROL, "another", dm))
    assert toasts(adapter)[-1] == "This idea no longer exists."
    await play(runtime, press("fb:o:1:1", CAROL, sent.message_id, dm))
    assert toasts(adapter)[-1] == "Voted for #1: 2 votes now."

    # Or she files hers anyway: once.
    carol_files = press("fb:f:1", CAROL, sent.message_id, dm)
    await play(runtime, carol_files, press("fb:f:1", CAROL, sent.message_id, dm))
    filed = posts(adapter.performed)
    assert [p.key for p in filed] == ["feedback:1:1", "feedback:2:1"]
    assert "please add dark mode to the app" in filed[-1].text.plain()
    said_to_carol = answers(adapter.performed)[-2:]
    assert said_to_carol[0].startswith("Thanks! Your idea is #2."), said_to_carol
    assert said_to_carol[1] == "That idea is filed already as #2."


async def test_a_duplicate_moves_its_votes_and_tells_its_backers(
    running: tuple[Runtime, PostAdapter],
) -> None:
    runtime, adapter = running
    await play(runtime, said("/feedback board here", ALICE))
    await play(runtime, said("/feedback Export the member list as CSV", BOB))
    await play(runtime, said("/feedback Calendar sync with Google", CAROL))
    await play(runtime, press("fb:v:2", DAN, "msg-feedback:2:1"))
    await play(runtime, said("/feedback duplicate 2 1", ALICE))
    assert answers(adapter.performed)[-1] == (
        "Idea #2 is now Duplicate; 2 backers will be told privately."
    )
    assert "Duplicate of #1" in edits(adapter.performed, "feedback:2:1")[-1]
    assert edits(adapter.performed, "feedback:2:1")[-1].count("Vote") == 0
    assert "3 votes · New" in edits(adapter.performed, "feedback:1:1")[-1]
    before = len(adapter.performed)
    await fire_jobs(runtime)
    told = directs(adapter.performed[before:])
    assert len(told) == 2
    assert all("duplicate of #1 (your vote now counts there)" in t for t in told)

    await play(runtime, said("/feedback list", BOB))
    listing = answers(adapter.performed)[-1]
    assert listing.splitlines()[1].startswith("#1 Export the member list as CSV (3 votes")
    assert "#2" not in listing
    await play(runtime, said("/feedback list duplicate", BOB))
    assert "#2 Calendar sync" in answers(adapter.performed)[-1]
    await play(runtime, said("/feedback list nonsense", BOB))
    assert answers(adapter.performed)[-1].startswith("There is no status nonsense")
    await play(runtime, said("/feedback 2", BOB))
    assert "→ Duplicate" in answers(adapter.performed)[-1]
    await play(runtime, said("/feedback 99", BOB))
    assert answers(adapter.performed)[-1] == "There is no idea #99."
