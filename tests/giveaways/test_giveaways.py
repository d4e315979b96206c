"""Giveaways through the real runtime, pipeline, outbox and SQL store."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from tests.conftest import migrate
from tests.giveaways.support import LevelUps, PostAdapter, press, start
from tests.support import CHANNEL, COMMUNITY, command, envelope, manager, member
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import EditMessage, SendDirect, SendFile
from townsquare.core.events import MemberJoined
from townsquare.core.giveaways.draw import draw
from townsquare.core.refs import ChannelRef, MessageRef
from townsquare.storage.database import create_engine
from townsquare.storage.giveaways_models import GiveawayEntryRow
from townsquare.storage.models import ScheduledJob

ALICE = manager("Alice")


@pytest.fixture
async def running(database_url: str) -> AsyncIterator[tuple[Runtime, PostAdapter]]:
    await migrate(database_url)
    adapter = PostAdapter()
    runtime = await start(database_url, adapter, LevelUps())
    yield runtime, adapter
    await runtime.stop()


async def play(runtime: Runtime, *events: object) -> None:
    for event in events:
        await runtime.pipeline.submit(event)  # type: ignore[arg-type]
    assert await runtime.worker.drain(timeout=15)


def seed_of(text: str) -> str:
    found = re.search(r"Seed: ([0-9a-f]{64})", text)
    assert found is not None, text
    return found.group(1)


async def test_enter_draw_verify_and_reroll(running: tuple[Runtime, PostAdapter]) -> None:
    runtime, adapter = running
    await play(runtime, command("giveaway", "Two tickets", "--ends", "2h", who=ALICE))
    (post,) = adapter.sent()
    text = post.text.plain()
    assert post.key == "giveaway:1"
    assert "🎁 Giveaway #1: Two tickets" in text and "1 winner" in text
    assert "0 entries so far" in text and "Open to every member." in text
    posted_hash = re.search(r"seed \(revealed with the result\): ([0-9a-f]{64})", text)
    assert posted_hash is not None
    assert [[b.data for b in row] for row in post.buttons] == [["giveaway:1"]]

    await play(runtime, press("Bob"), press("Bob"), press("Carol"), press("Dan"))
    assert adapter.toasts() == [
        "You are in. Good luck!",
        "You have already entered this giveaway.",
        "You are in. Good luck!",
        "You are in. Good luck!",
    ]
    edits = [a for a in adapter.performed if isinstance(a, EditMessage)]
    assert "3 entries so far" in edits[-1].text.plain()

    # a forged press on another message counts nowhere
    await play(runtime, press("Eve", message=MessageRef(CHANNEL, "elsewhere")))
    assert adapter.toasts()[-1] == "This giveaway no longer exists."

    before = len(adapter.performed)
    await play(runtime, command("giveaway", "end", "1", who=ALICE))
    done = adapter.performed[before:]
    final = [a for a in done if isinstance(a, EditMessage)]
    assert final and final[-1].buttons == () and "has ended" in final[-1].text.plain()
    (result,) = [a for a in done if hasattr(a, "key") and a.__class__.__name__ == "SendMessage"]
    seed = seed_of(result.text.plain())
    assert hashlib.sha256(seed.encode()).hexdigest() == posted_hash.group(1)
    (winner,) = draw(seed, await entrants(runtime), 1)
    mentions = [s for s in result.text.spans if s.style == "mention"]
    assert len(mentions) == 1, "the winner is mentioned, nobody else"
    (told,) = [a for a in done if isinstance(a, SendDirect)]
    assert told.user_id == mentions[0].user_id
    assert "You won giveaway #1: Two tickets" in told.text.plain()
    assert winner.startswith("p")

    await play(runtime, command("giveaway", "end", "1", who=ALICE))
    assert adapter.texts()[-1] == "Giveaway #1 is already drawn."

    await play(runtime, command("giveaway", "verify", "1", who=member("Zed")))
    assert "Giveaway #1 checks out" in adapter.texts()[-1]
    (record,) = [a for a in adapter.performed if isinstance(a, SendFile)]
    data = json.loads(record.data)
    assert data["seed"] == seed and data["rounds"][0]["winners"] == [winner]
    assert record.user_id == "zed"

    await play(runtime, command("giveaway", "reroll", "1", "2", who=ALICE))
    second = adapter.sent()[-1].text.plain()
    assert "New winners of giveaway #1 (round 2)" in second
    await play(runtime, command("giveaway", "reroll", "1", who=ALICE))
    assert adapter.texts()[-1] == "Everyone who entered giveaway #1 has already won."
    await play(runtime, command("giveaway", "verify", "1", who=ALICE))
    assert "checks out" in [t for t in adapter.texts() if "Giveaway #1 checks" in t][-1]


async def entrants(runtime: Runtime) -> list[str]:
    async with runtime.store.engine.connect() as connection:  # type: ignore[attr-defined]
        rows = await connection.execute(select(GiveawayEntryRow.entrant))
        return [row[0] for row in rows]


async def test_mistakes_get_one_line_and_members_cannot_start_one(
    running: tuple[Runtime, PostAdapter],
) -> None:
    runtime, adapter = running
    await play(
        runtime,
        command("giveaway", "Prize", who=ALICE),
        command("giveaway", "Prize", "--ends", "someday", who=ALICE),
        command("giveaway", "Prize", "--ends", "200d", who=ALICE),
        command("giveaway", "Prize", "--ends", "1d", "--winners", "0", who=ALICE),
        command("giveaway", "Prize", "--ends", "1d", "--min-level", "x", who=ALICE),
        command("giveaway", "Prize", "--ends", "1d", "--space", who=ALICE),
        command("giveaway", "Two", "tickets", who=ALICE),
        command("giveaway", "Prize", "--ends", "1d", who=member("Bob")),
        command("giveaway", "verify", "99"),
        command("giveaway", "end", "1", who=member("Bob")),
    )
    assert adapter.texts() == [
        "Say when it is drawn: --ends 2h, 1d, tomorrow 19:00 or fri 18:30.",
        "I cannot read --ends someday: write 2h, 1d, 2026-12-10 19:00, tomorrow 19:00 or "
        "fri 18:30.",
        "--ends must be within 90 days.",
        "--winners takes a number from 1 to 50.",
        "--min-level takes a number from 1 to 1000.",
        "This community is in no space, so --space has nowhere to post.",
        'Put the prize in quotes: /giveaway "Two tickets" --ends 1d',
        "Sorry, only managers can use /giveaway.",
        "There is no giveaway #99.",
        "Sorry, only managers can use /giveaway end.",
    ]


async def test_a_time_with_a_day_reads_in_the_communitys_zone(
    running: tuple[Runtime, PostAdapter],
) -> None:
    runtime, adapter = running
    await play(
        runtime,
        command("settings", "tz", "Europe/Rome", who=ALICE),
        command("giveaway", "Prize", "--ends", "tomorrow", "19:00", who=ALICE),
    )
    assert adapter.texts()[0] == "Times are now read in Europe/Rome."
    post = adapter.sent()[-1]
    (moment,) = [s for s in post.text.spans if s.style == "time"]
    assert moment.at is not None
    assert moment.at.astimezone(ZoneInfo("Europe/Rome")).time() == time(19, 0)


async def test_requirements_are_checked_on_press_with_the_reason(
    running: tuple[Runtime, PostAdapter],
) -> None:
    runtime, adapter = running
    now = datetime.now(UTC)
    old = member("Olga")
    new = member("Nina")
    await play(
        runtime,
        MemberJoined(**{**envelope(old), "occurred_at": now - timedelta(days=30)}, member=old),
        MemberJoined(**{**envelope(new), "occurred_at": now - timedelta(hours=30)}, member=new),
        command(
            "giveaway", "Mug", "--ends", "1d", "--min-days", "7", "--min-level", "3", who=ALICE
        ),
    )
    assert "Who may enter: in the community for 7 days, level 3 or higher." in (
        adapter.sent()[-1].text.plain()
    )
    await play(runtime, press("Nina"), press("Pete"), press("Olga"))
    assert adapter.toasts() == [
        "This giveaway is for members of 7+ days: come back in 6 days.",
        "This giveaway is for members of 7+ days, and I have not seen you join, so I cannot "
        "tell how long you have been here.",
        "This giveaway needs level 3; you are level 0.",
    ]
    await play(runtime, command("levelup", "olga", "3", who=old))
    while await runtime.scheduler.run_once():  # the level fact, handled once it is due
        pass
    await play(runtime, press("Olga"))
    assert adapter.toasts()[-1] == "You are in. Good luck!"


async def test_a_deadline_passed_while_down_draws_once_after_the_restart(
    sqlite_url: str,
) -> None:
    await migrate(sqlite_url)
    adapter = PostAdapter()
    runtime = await start(sqlite_url, adapter)
    await play(runtime, command("giveaway", "Book", "--ends", "30m", "--winners", "2", who=ALICE))
    await play(runtime, press("Bob"), press("Carol"), press("Dan"))
    await runtime.stop()

    engine = create_engine(sqlite_url)
    async with engine.begin() as connection:
        await connection.execute(
            update(ScheduledJob).values(due_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    await engine.dispose()

    adapter = PostAdapter()
    runtime = await start(sqlite_url, adapter)
    await adapter.wait_for(lambda done: any(isinstance(a, SendDirect) for a in done), timeout=15)
    assert await runtime.worker.drain(timeout=15)
    await runtime.stop()
    results = [m for m in adapter.sent() if "Winners of giveaway" in m.text.plain()]
    assert len(results) == 1
    assert "3 entries." in results[0].text.plain()
    assert len([a for a in adapter.performed if isinstance(a, SendDirect)]) == 2

    adapter = PostAdapter()  # and it stays drawn
    runtime = await start(sqlite_url, adapter)
    await play(runtime, press("Eve"))
    await runtime.stop()
    assert adapter.toasts() == ["This giveaway has ended."]


async def test_another_communitys_giveaway_is_unknown(running: tuple[Runtime, PostAdapter]) -> None:
    runtime, adapter = running
    await play(runtime, command("giveaway", "Prize", "--ends", "1d", who=ALICE))
    elsewhere = {**envelope(ALICE), "community": COMMUNITY.__class__("memory", "c2")}
    from townsquare.core.events import CommandIssued

    await play(
        runtime,
        CommandIssued(**elsewhere, name="giveaway", argv=("end", "1")),
        CommandIssued(
            **{**envelope(member("Bob")), "channel": ChannelRef("other")},
            name="giveaway",
            argv=("verify", "1"),
        ),
    )
    assert adapter.texts()[-2] == "There is no giveaway #1."
    assert adapter.texts()[-1] == "Giveaway #1 is not drawn yet: its seed stays secret until then."


async def test_without_buttons_members_enter_by_command(sqlite_url: str) -> None:
    from tests.support import ALL_CAPABILITIES
    from townsquare.core.capabilities import Capability

    await migrate(sqlite_url)
    adapter = PostAdapter(capabilities=ALL_CAPABILITIES - {Capability.BUTTONS})
    runtime = await start(sqlite_url, adapter)
    try:
        await play(
            runtime,
            command("giveaway", "Mug", "--ends", "1d", who=ALICE),
            command("giveaway", "enter", "1", who=member("Bob")),
            command("giveaway", "enter", "#1", who=member("Bob")),
            command("help", "giveaway", who=member("Bob")),
        )
    finally:
        await runtime.stop()
    post = adapter.sent()[0]
    assert post.buttons == () and "/giveaway enter 1" in post.text.plain()
    texts = adapter.texts()
    assert "You are in. Good luck!" in texts
    assert "You have already entered this giveaway." in texts
    assert "Example: /giveaway verify 3" in texts[-1]
