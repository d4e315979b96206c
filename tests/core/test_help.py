"""``/help`` fits a screen: the caller's commands grouped by feature in a few lines, and
``/help <command>`` gives one command's usage forms, options and an example. Every command
a caller may use is reachable from ``/help``, and every example is a valid command line."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import migrate
from tests.support import MemoryAdapter, command, manager, member
from townsquare.bots.config import parse_config
from townsquare.bots.runtime import Runtime, default_features
from townsquare.core.builtin import EXAMPLES, HELP_GROUPS
from townsquare.core.commands import bind, parse_command_text, split_arguments
from townsquare.core.roles import Role


@pytest.fixture
async def runtime(sqlite_url: str) -> AsyncIterator[tuple[Runtime, MemoryAdapter]]:
    await migrate(sqlite_url)
    adapter = MemoryAdapter()
    config = parse_config(
        {"storage": {"url": sqlite_url}, "bots": [{"name": "mem", "platform": "console"}]},
        {},
        "test",
    )
    runtime = Runtime(config, adapters={"mem": adapter}, delivery_options={"poll_interval": 0.05})
    await runtime.start()
    yield runtime, adapter
    await runtime.stop()


async def answers(runtime: tuple[Runtime, MemoryAdapter], *commands: object) -> list[str]:
    rt, adapter = runtime
    before = len(adapter.texts())
    for event in commands:
        await rt.pipeline.submit(event)  # type: ignore[arg-type]
    assert await rt.worker.drain(timeout=10)
    return adapter.texts()[before:]


async def test_help_is_a_few_grouped_lines(runtime: tuple[Runtime, MemoryAdapter]) -> None:
    for_member, for_manager = await answers(
        runtime, command("help", who=member("Bob")), command("help", who=manager("Alice"))
    )
    assert for_manager.splitlines() == [
        "Commands you can use:",
        "General: /help /settings /lang /link /unlink /dashboard /forgetme",
        "Welcome and rules: /welcome /rules /verify /accept",
        "Polls and events: /poll /vote /event /events",
        "FAQ and feedback: /faq /feedback /idea",
        "Levels and giveaways: /rank /top /thanks /xp /levels /giveaway",
        "Announcements: /announce /announcements",
        "Stats: /stats",
        "Watch words: /watch",
        "Moderation: /report /warn /mute /unmute /warnings /cases /case /managers /escalation "
        "/ticket /tickets",
        "/help and a command gives its usage and an example, e.g. /help poll",
    ]
    assert "/settings" not in for_member and "/poll " not in for_member
    assert "Polls and events: /vote /event /events" in for_member
    assert "Levels and giveaways: /rank /top /thanks /giveaway" in for_member
    assert len(for_member.splitlines()) <= 8


async def test_help_for_one_command(runtime: tuple[Runtime, MemoryAdapter]) -> None:
    (poll,) = await answers(runtime, command("help", "poll", who=manager("Alice")))
    assert poll.splitlines() == [
        "/poll — Start a poll with buttons",
        "Usage:",
        "/poll <question> <options...> [--multi] [--anonymous] [--closes 30m|2h|1d] [--space] "
        "— Start a poll with buttons",
        "/poll close <id> — Close a poll now",
        "/poll results <id> — Who voted what",
        "/poll export <id> — Results as CSV, privately",
        "Options:",
        "--multi — members may pick several options",
        "--anonymous — nobody sees who voted what",
        "--closes 30m|2h|1d — close after 30m, 2h, 1d...",
        "--space — post it in every community of this space, with one tally",
        'Example: /poll "Where do we meet?" "Library" "Park" --closes 2h',
    ]


async def test_help_for_a_command_the_caller_may_not_use_or_that_does_not_exist(
    runtime: tuple[Runtime, MemoryAdapter],
) -> None:
    refused, unknown, slashed = await answers(
        runtime,
        command("help", "settings", who=member("Bob")),
        command("help", "dance", who=member("Bob")),
        command("help", "/faq", who=member("Bob")),
    )
    assert refused == "/settings is for managers."
    assert unknown == "There is no command /dance; /help lists them."
    assert slashed.startswith("/faq — Ask the FAQ in your own words\nUsage:\n/faq [question]")
    assert "/faq add" not in slashed, "a member sees only the forms they may use"
    assert slashed.endswith("Example: /faq how do I reset my password?")


@pytest.mark.parametrize("role", [Role.MEMBER, Role.MANAGER])
def test_every_command_a_caller_may_use_is_in_a_group(role: Role) -> None:
    from townsquare.core.builtin import visible

    specs = [spec for feature in default_features() for spec, _ in feature.command_handlers()]
    grouped = {name for _title, names in HELP_GROUPS for name in names}
    assert {spec.name for spec in visible(specs, role)} <= grouped


def test_every_command_has_an_example_that_binds() -> None:
    specs = {
        spec.name: spec for feature in default_features() for spec, _ in feature.command_handlers()
    }
    assert set(specs) <= set(EXAMPLES)
    for name, examples in EXAMPLES.items():
        for example in examples:
            parsed = parse_command_text(example)
            assert parsed is not None and parsed[0] == name, example
            bind(specs[name], split_arguments(parsed[1]), parsed[1])
