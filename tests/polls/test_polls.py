"""Polls through the real runtime, pipeline, outbox and SQL store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import migrate
from tests.support import (
    ALL_CAPABILITIES,
    CHANNEL,
    MemoryAdapter,
    command,
    envelope,
    manager,
    member,
)
from townsquare.bots.config import Config, parse_config
from townsquare.bots.runtime import Runtime
from townsquare.core.actions import (
    Action,
    AnswerButton,
    EditMessage,
    SendDirect,
    SendEphemeral,
    SendFile,
    SendMessage,
)
from townsquare.core.capabilities import Capability
from townsquare.core.events import ButtonPressed
from townsquare.core.ports import Delivered
from townsquare.core.refs import MessageRef

ALICE = manager("Alice")


def config(url: str) -> Config:
    return parse_config(
        {"storage": {"url": url}, "bots": [{"name": "mem", "platform": "console"}]}, {}, "t"
    )


class PollAdapter(MemoryAdapter):
    """Reports each keyed message posted under the id ``msg-<key>``, so a test press can
    be made on the poll message the way a platform reports it (``press``)."""

    async def perform(self, action: Action) -> Delivered:
        delivered = await super().perform(action)
        if isinstance(action, SendMessage) and action.key:
            return Delivered((MessageRef(action.channel, f"msg-{action.key}"),))
        return delivered


def press(name: str, data: str, message: MessageRef | None = None) -> ButtonPressed:
    """A press of ``data`` on its poll's message (as :class:`PollAdapter` posted it)."""
    env = envelope(member(name))
    poll_id = data.split(":")[1]
    at = message or MessageRef(CHANNEL, f"msg-poll:{poll_id}")
    return ButtonPressed(**env, data=data, interaction_id=f"i-{env['event_id']}", message=at)


async def start(url: str, adapter: MemoryAdapter) -> Runtime:
    runtime = Runtime(config(url), adapters={"mem": adapter}, delivery_options={"edit_interval": 0})
    await runtime.start()
    return runtime


@pytest.fixture
async def polls(database_url: str) -> AsyncIterator[tuple[Runtime, MemoryAdapter]]:
    await migrate(database_url)
    adapter = PollAdapter()
    runtime = await start(database_url, adapter)
    yield runtime, adapter
    await runtime.stop()


async def settle(runtime: Runtime) -> None:
    assert await runtime.worker.drain(timeout=15)


def sent(adapter: MemoryAdapter) -> list[SendMessage]:
    return [a for a in adapter.performed if isinstance(a, SendMessage)]


def toasts(adapter: MemoryAdapter) -> list[str]:
    return [a.toast for a in adapter.performed if isinstance(a, AnswerButton)]


def last_tally(adapter: MemoryAdapter) -> str:
    edits = [a for a in adapter.performed if isinstance(a, EditMessage)]
    return edits[-1].text.plain() if edits else sent(adapter)[0].text.plain()


async def test_poll_with_votes(polls: tuple[Runtime, MemoryAdapter]) -> None:
    runtime, adapter = polls
    await runtime.pipeline.submit(command("poll", "Lunch?", "Pizza", "Sushi", who=ALICE))
    await settle(runtime)
    (message,) = sent(adapter)
    assert message.key == "poll:1"
    assert "📊 #1 Lunch?" in message.text.plain() and "0 voters" in message.text.plain()
    assert [[b.data for b in row] for row in message.buttons] == [
        ["poll:1:0", "poll:1:1"],
        ["poll:1:r"],
    ]

    for event in (
        press("Bob", "poll:1:0"),
        press("Bob", "poll:1:0"),  # double tap: no change
        press("Carol", "poll:1:1"),
        press("Carol", "poll:1:0"),  # moves her vote
        press("Dan", "poll:1:1"),
        press("Dan", "poll:1:r"),  # retracts
    ):
        await runtime.pipeline.submit(event)
    await settle(runtime)
    assert toasts(adapter) == [
        "Vote recorded",
        "That is already your vote",
        "Vote recorded",
        "Vote moved",
        "Vote recorded",
        "Vote withdrawn",
    ]
    tally = last_tally(adapter)
    assert "1. Pizza — 2" in tally and "2. Sushi — 0" in tally and "2 voters" in tally

    redelivered = press("Eve", "poll:1:1")
    await runtime.pipeline.submit(redelivered)
    await runtime.pipeline.submit(redelivered)
    await runtime.pipeline.submit(command("poll", "close", "1", who=ALICE))
    await runtime.pipeline.submit(press("Fay", "poll:1:1"))
    await settle(runtime)
    assert toasts(adapter)[-2:] == ["Vote recorded", "This poll is closed."]
    final_edit = [a for a in adapter.performed if isinstance(a, EditMessage)][-1]
    assert final_edit.buttons == () and "closed" in final_edit.text.plain()
    assert "2. Sushi — 1" in final_edit.text.plain()
    result = sent(adapter)[-1].text.plain()
    assert result == "Poll #1 closed: Lunch? → Pizza (3 voters)"


async def test_results_and_export(polls: tuple[Runtime, MemoryAdapter]) -> None:
    runtime, adapter = polls
    await runtime.pipeline.submit(command("poll", "Day?", "Mon", "Tue", "--multi", who=ALICE))
    await runtime.pipeline.submit(command("poll", "Secret?", "Yes", "No", "--anonymous", who=ALICE))
    await settle(runtime)
    for event in (press("Bob", "poll:1:0"), press("Bob", "poll:1:1"), press("Zoe", "poll:2:0")):
        await runtime.pipeline.submit(event)
    await runtime.pipeline.submit(command("poll", "results", "1", who=ALICE))
    await runtime.pipeline.submit(command("poll", "results", "#2", who=ALICE))
    await runtime.pipeline.submit(command("poll", "export", "1", who=ALICE))
    await runtime.pipeline.submit(command("poll", "export", "2", who=ALICE))
    await runtime.pipeline.submit(command("poll", "results", "1", who=member("Bob")))
    await settle(runtime)
    private = [
        a.text.plain() for a in adapter.performed if isinstance(a, SendEphemeral | SendMessage)
    ]
    assert any("Mon: 1 — Bob" in text and "Tue: 1 — Bob" in text for text in private)
    anonymous = next(text for text in private if "Secret?" in text and "Yes: 1" in text)
    assert "Zoe" not in anonymous and "voters are not shown" in anonymous
    export, anonymous_export = [a for a in adapter.performed if isinstance(a, SendFile)]
    assert (export.user_id, export.channel, export.fallback_channel) == ("alice", None, CHANNEL)
    assert (export.filename, export.mime_type) == ("poll-1.csv", "text/csv")
    assert export.caption.plain() == "Poll #1 as CSV: Day?"
    assert export.data == b"option,votes,voters\r\nMon,1,Bob\r\nTue,1,Bob\r\n"
    assert anonymous_export.data == b"option,votes\r\nYes,1\r\nNo,0\r\n", "no voters at all"
    assert "Sorry, only managers can use /poll results." in private


async def test_export_without_files_is_the_csv_as_a_private_message(sqlite_url: str) -> None:
    adapter = PollAdapter(capabilities=ALL_CAPABILITIES - {Capability.FILES})
    runtime = await start(sqlite_url, adapter)
    await runtime.pipeline.submit(command("poll", "Day?", "Mon", "Tue", who=ALICE))
    await settle(runtime)
    await runtime.pipeline.submit(press("Bob", "poll:1:1"))
    await runtime.pipeline.submit(command("poll", "export", "1", who=ALICE))
    await settle(runtime)
    await runtime.stop()
    assert not [a for a in adapter.performed if isinstance(a, SendFile)]
    (export,) = [a for a in adapter.performed if isinstance(a, SendDirect)]
    assert export.user_id == "alice" and export.fallback_channel == CHANNEL
    assert export.text.plain() == (
        "Poll #1 as CSV: Day?\npoll-1.csv\noption,votes,voters\nMon,0,\nTue,1,Bob"
    )


async def test_mistakes_get_clear_answers(polls: tuple[Runtime, MemoryAdapter]) -> None:
    runtime, adapter = polls
    for argv in (
        ("Only one?", "Yes"),
        ("Q?", *(f"o{n}" for n in range(11))),
        ("x" * 301, "a", "b"),
        ("Q?", "a", "b", "--closes", "soon"),
        ("Q?", "a", "a"),
    ):
        await runtime.pipeline.submit(command("poll", *argv, who=ALICE))
    await runtime.pipeline.submit(command("poll", "Q?", "a", "b", who=member("Bob")))
    await runtime.pipeline.submit(command("vote", "99", "1"))
    await settle(runtime)
    assert [text.split(";")[0].split(":")[0] for text in adapter.texts()] == [
        "A poll needs 2 to 10 options",
        "A poll needs 2 to 10 options",
        "The question is too long",
        "--closes takes a duration like 30m, 2h or 1d (at most 90 days).",
        "Two options are the same.",
        "Sorry, only managers can use /poll.",
        "There is no poll #99.",
    ]


async def test_votes_survive_a_restart_and_the_deadline_fires_after_one(sqlite_url: str) -> None:
    adapter = PollAdapter()
    runtime = await start(sqlite_url, adapter)
    await runtime.pipeline.submit(
        command("poll", "Lunch?", "Pizza", "Sushi", "--closes", "30m", who=ALICE)
    )
    await settle(runtime)
    await runtime.pipeline.submit(press("Bob", "poll:1:1"))
    await settle(runtime)
    await runtime.stop()

    # The deadline passes while the bot is down: move it into the past.
    from sqlalchemy import update

    from townsquare.storage.database import create_engine
    from townsquare.storage.models import ScheduledJob

    engine = create_engine(sqlite_url)
    async with engine.begin() as connection:
        await connection.execute(
            update(ScheduledJob).values(due_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    await engine.dispose()

    adapter = PollAdapter()
    runtime = await start(sqlite_url, adapter)
    await runtime.pipeline.submit(press("Carol", "poll:1:1"))
    await adapter.wait_for(lambda done: any(isinstance(a, SendMessage) for a in done))
    await settle(runtime)
    await runtime.stop()
    result = sent(adapter)[-1].text.plain()
    assert result == "Poll #1 closed: Lunch? → Sushi (2 voters)"


async def test_console_members_vote_by_command(sqlite_url: str) -> None:
    adapter = MemoryAdapter(capabilities=ALL_CAPABILITIES - {Capability.BUTTONS})
    runtime = await start(sqlite_url, adapter)
    await runtime.pipeline.submit(command("poll", "Lunch?", "Pizza", "Sushi", who=ALICE))
    await runtime.pipeline.submit(command("vote", "1", "2", who=member("Bob")))
    await runtime.pipeline.submit(command("vote", "1", "7", who=member("Bob")))
    await settle(runtime)
    await runtime.stop()
    poll_message = sent(adapter)[0]
    assert poll_message.buttons == ()
    assert "1. Pizza: /vote 1 1" in poll_message.text.plain()
    assert "Retract vote: /vote 1 retract" in poll_message.text.plain()
    texts = adapter.texts()
    assert "Vote recorded" in texts
    assert "Choose an option from 1 to 2, or retract." in texts
    assert "2. Sushi — 1" in last_tally(adapter)


async def test_console_shows_the_export_as_text_privately(sqlite_url: str) -> None:
    """The console takes no files: the CSV is printed as a private message, visibly."""
    from townsquare.adapters.console.config import ConsoleBotConfig
    from townsquare.adapters.console.transport import ConsoleAdapter

    settings = parse_config(
        {
            "storage": {"url": sqlite_url},
            "bots": [{"name": "local", "platform": "console", "managers": ["olga"]}],
        },
        {},
        "t",
    )
    bot = settings.bot("local")
    assert isinstance(bot, ConsoleBotConfig)
    console = ConsoleAdapter(bot, output=lambda _line: None)
    assert Capability.FILES not in console.capabilities
    async with Runtime(settings, adapters={"local": console}) as runtime:
        for who, text in (
            ("Olga", '/poll "Lunch?" "Pizza, thin" Sushi'),
            ("Ann", "/vote 1 1"),
            ("Olga", "/poll export 1"),
        ):
            await console.feed(console.mapper.say(who, text))
        assert await runtime.worker.drain(timeout=10)
    assert not [a for a in console.performed if isinstance(a, SendFile)]
    transcript = "\n".join(console.transcript)
    assert (
        "local › (private to Olga) Poll #1 as CSV: Lunch?\n"
        "                          `poll-1.csv`\n"
        "                          option,votes,voters\n"
        '                          "Pizza, thin",1,Ann\n'
        "                          Sushi,0,"
    ) in transcript
