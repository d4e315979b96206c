"""Teams (inbox, keywords, routing, status buttons), a space's boards, the reply form, and
the monthly "you asked, we shipped" post, through the real runtime on SQLite."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

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
from townsquare.core.actions import AnswerButton, SendMessage
from townsquare.core.events import CommandIssued
from townsquare.core.refs import ChannelRef, CommunityRef, MessageRef
from townsquare.storage.feedback_models import FeedbackChangeRow

ALICE = manager("Alice")
OTHER = CommunityRef("memory", "c2", title="Other Square")
THIRD = CommunityRef("memory", "c3", title="Elsewhere")
SPACE = {"name": "town", "communities": ["mem:c1/general", "mem:c2/lobby"]}


def toasts(adapter: PostAdapter) -> list[str]:
    return [a.toast for a in adapter.performed if isinstance(a, AnswerButton)]


def at(event: CommandIssued, community: CommunityRef, channel: str) -> CommandIssued:
    return replace(event, community=community, channel=ChannelRef(channel))


@pytest.fixture
async def running(sqlite_url: str) -> AsyncIterator[tuple[Runtime, PostAdapter]]:
    await migrate(sqlite_url)
    adapter = PostAdapter()
    runtime = await start(sqlite_url, adapter, spaces=[SPACE])
    yield runtime, adapter
    await runtime.stop()


async def test_a_space_has_a_board_in_each_community_and_one_count(
    running: tuple[Runtime, PostAdapter],
) -> None:
    runtime, adapter = running
    await play(
        runtime,
        said("/feedback board here", ALICE),
        at(said("/feedback board here", ALICE), OTHER, "lobby"),
        said("/feedback Calendar sync with Google please", BOB),
    )
    keys = [(p.key, p.channel.id) for p in posts(adapter.performed)]
    assert keys == [("feedback:1:1", "general"), ("feedback:1:2", "lobby")]
    # a vote on the other community's post, and one by command there: one count
    lobby = ChannelRef("lobby")
    vote = press("fb:v:1", CAROL, "msg-feedback:1:2", lobby)
    await play(runtime, replace(vote, community=OTHER))
    assert toasts(adapter)[-1] == "Voted for #1: 2 votes now."
    await play(runtime, at(said("/feedback vote 1", DAN), OTHER, "lobby"))
    assert answers(adapter.performed)[-1] == "Voted for #1: 3 votes now."
    assert "3 votes" in edits(adapter.performed, "feedback:1:1")[-1]
    assert "3 votes" in edits(adapter.performed, "feedback:1:2")[-1]
    # a community outside the space does not find it
    await play(runtime, at(said("/feedback vote 1", DAN), THIRD, "x"))
    assert answers(adapter.performed)[-1] == "There is no idea #1."
    await play(runtime, at(said("/feedback list", DAN), THIRD, "x"))
    assert answers(adapter.performed)[-1].startswith("No open ideas yet")


async def test_teams_get_ideas_by_keyword_and_by_hand_and_change_statuses(
    running: tuple[Runtime, PostAdapter],
) -> None:
    runtime, adapter = running
    await play(runtime, said("/feedback team product here", BOB))
    assert answers(adapter.performed)[-1] == "Sorry, only managers can use /feedback team."
    inbox = at(said("/feedback team product here", ALICE), OTHER, "product-inbox")
    await play(
        runtime,
        inbox,
        said("/feedback team product keywords dark mode, theme", ALICE),
        said("/feedback team billing here", ALICE),
    )
    said_back = answers(adapter.performed)
    assert said_back[-3].startswith("This chat is now the inbox of the team product")
    assert said_back[-2] == "New ideas mentioning dark mode, theme now go to the team product."

    await play(runtime, said("/feedback Please give us dark modes at night", CAROL))
    (inbox_post,) = posts(adapter.performed)
    assert inbox_post.key == "feedback:1:1" and inbox_post.channel.id == "product-inbox"
    assert "Team: product" in inbox_post.text.plain()
    datas = [b.data for row in inbox_post.buttons for b in row]
    assert datas == [f"fb:s:1:{s}" for s in ("review", "planned", "progress", "done", "declined")]
    assert "It went to the team product." in directs(adapter.performed, "carol")[-1]

    inbox_channel = ChannelRef("product-inbox")
    member_press = replace(
        press("fb:s:1:done", BOB, "msg-feedback:1:1", inbox_channel), community=OTHER
    )
    await play(runtime, member_press)
    assert toasts(adapter)[-1] == "Only managers can change an idea's status."
    forged = replace(press("fb:s:1:done", ALICE, "elsewhere", inbox_channel), community=OTHER)
    await play(runtime, forged)
    assert toasts(adapter)[-1] == "This idea no longer exists."
    manager_press = replace(
        press("fb:s:1:review", ALICE, "msg-feedback:1:1", inbox_channel), community=OTHER
    )
    await play(runtime, manager_press)
    assert toasts(adapter)[-1] == "Idea #1 is now Under review; 1 backer will be told privately."
    assert "Under review" in edits(adapter.performed, "feedback:1:1")[-1]

    # by hand, to a team with an inbox (a second message), and to one without
    await play(runtime, said("/feedback Invoices as PDF by email", DAN))
    await play(runtime, said("/feedback route 2 nobody", ALICE))
    assert answers(adapter.performed)[-1].startswith("There is no team nobody")
    await play(runtime, said("/feedback route 2 billing", ALICE))
    assert answers(adapter.performed)[-1] == "Idea #2 went to the team billing's inbox."
    await play(runtime, said("/feedback team sales keywords leads", ALICE))
    await play(runtime, said("/feedback route 1 sales", ALICE))
    assert answers(adapter.performed)[-1].startswith("Idea #1 is the team sales's now")
    # a team inbox names the ideas of its scope
    await play(runtime, at(said("/feedback status 2 planned", ALICE), OTHER, "product-inbox"))
    assert answers(adapter.performed)[-1].startswith("Idea #2 is now Planned")


async def test_a_reply_files_the_message_it_answers(
    running: tuple[Runtime, PostAdapter],
) -> None:
    runtime, adapter = running
    original = MessageRef(ChannelRef("general"), "77")
    reply = replace(
        said("/feedback", BOB),
        argv=(),
        arg_text="",
        reply_to=original,
        reply_to_author=CAROL,
        reply_to_text="Could the bot post the weekly schedule on Mondays?",
    )
    await play(runtime, reply)
    assert directs(adapter.performed, "bob")[-1].startswith("Thanks! Your idea is #1.")
    await play(runtime, said("/feedback 1", DAN))
    assert "Could the bot post the weekly schedule on Mondays?" in answers(adapter.performed)[-1]
    await play(runtime, said("/feedback", DAN), said("/feedback short", DAN))
    assert answers(adapter.performed)[-2].startswith("Write your idea after the command")
    assert answers(adapter.performed)[-1].startswith("Say a little more")


async def test_you_asked_we_shipped_posts_last_months_done_ideas(
    running: tuple[Runtime, PostAdapter],
) -> None:
    runtime, adapter = running
    await play(
        runtime,
        said("/feedback board here", ALICE),
        said("/feedback A dark mode for the mobile app", BOB),
        said("/feedback Export the member list as CSV", CAROL),
        said("/feedback status 1 done Shipped in 2.4", ALICE),
    )
    last_month = datetime.now(UTC).replace(day=1) - timedelta(days=3)
    async with runtime.engine.begin() as connection:
        await connection.execute(update(FeedbackChangeRow).values(at=last_month))
    before = len(adapter.performed)
    await fire_jobs(runtime, "feedback.shipped")
    (post,) = [
        a for a in adapter.performed[before:] if isinstance(a, SendMessage) and a.key is None
    ]
    text = post.text.plain()
    assert text.startswith(f"You asked, we shipped ({last_month:%Y-%m}):"), text
    assert "✅ #1 A dark mode for the mobile app — asked by Bob (1 vote)" in text
    assert "Export" not in text
    assert post.channel.id == "general"

    # off: the next month's post is not made
    await play(runtime, said("/feedback shipped off", ALICE))
    assert answers(adapter.performed)[-1] == 'The monthly "you asked, we shipped" post is off.'
    before = len(adapter.performed)
    await fire_jobs(runtime, "feedback.shipped")
    assert not [a for a in adapter.performed[before:] if isinstance(a, SendMessage)]


async def test_a_code_makes_a_chat_of_any_community_a_team_inbox(
    running: tuple[Runtime, PostAdapter],
) -> None:
    runtime, adapter = running
    await play(runtime, said("/feedback Calendar sync with Google please", BOB))
    await play(runtime, said("/feedback team ops link", ALICE))
    told = directs(adapter.performed, "alice")[-1]
    found = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", told)
    assert found is not None, told
    code = found.group(1)
    # the code names its team, works once, and only there
    await play(runtime, at(said(f"/feedback team sales here {code}", ALICE), THIRD, "ops"))
    assert answers(adapter.performed)[-1].startswith("That code is wrong, used or expired")
    await play(runtime, at(said(f"/feedback team ops here {code.lower()}", ALICE), THIRD, "ops"))
    assert answers(adapter.performed)[-1].startswith("This chat is now the inbox of the team ops")
    await play(runtime, at(said(f"/feedback team ops here {code}", ALICE), THIRD, "elsewhere"))
    assert answers(adapter.performed)[-1].startswith("That code is wrong, used or expired")

    await play(runtime, said("/feedback route 1 ops", ALICE))
    assert answers(adapter.performed)[-1] == "Idea #1 went to the team ops's inbox."
    (inbox_post,) = posts(adapter.performed)
    assert inbox_post.channel.id == "ops"
    # from the inbox, the idea is named; from another chat of that community it is not
    await play(runtime, at(said("/feedback status 1 planned", ALICE), THIRD, "ops"))
    assert answers(adapter.performed)[-1].startswith("Idea #1 is now Planned")
    await play(runtime, at(said("/feedback status 1 done", ALICE), THIRD, "random"))
    assert answers(adapter.performed)[-1] == "There is no idea #1."
