"""Slash commands generated from command specs, and argv rebuilt exactly as the text
grammar would split the same command typed on Telegram or Slack."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.discord.conftest import POLL, REPORT
from tests.fakes.discord import FakeDiscord
from townsquare.adapters.discord import slash
from townsquare.core.builtin import builtin_features
from townsquare.core.commands import CommandSpec, Option, Param, bind, split_arguments

WELCOME = CommandSpec(
    "welcome",
    "Welcome messages",
    subcommands=(
        CommandSpec("set", "Set the template", params=(Param("template", rest=True),)),
        CommandSpec("show", "Show the template"),
        CommandSpec("on", "Turn greetings on"),
    ),
)
FAQ = CommandSpec(
    "faq",
    "Ask the FAQ",
    params=(Param("question", rest=True),),
    subcommands=(
        CommandSpec("add", "Add an entry", params=(Param("question"), Param("answer"))),
        CommandSpec("list", "List entries"),
    ),
)
NESTED = CommandSpec(
    "case",
    "Cases",
    subcommands=(
        CommandSpec(
            "note",
            "Notes on a case",
            params=(Param("id"),),
            subcommands=(CommandSpec("add", "Add a note", params=(Param("text", rest=True),)),),
        ),
    ),
)


def _validate(payload: list[dict[str, Any]]) -> None:
    problem = FakeDiscord().validate_commands(payload)
    assert problem is None, problem


def _chat_input(options: list[dict[str, Any]], *path: str) -> list[dict[str, Any]]:
    for name in reversed(path):
        options = [{"type": 1, "name": name, "options": options}]
    return options


def _data(name: str, path: tuple[str, ...], values: dict[str, Any]) -> dict[str, Any]:
    options = [
        {"type": 5 if isinstance(v, bool) else 3, "name": k, "value": v} for k, v in values.items()
    ]
    return {"name": name, "type": 1, "options": _chat_input(options, *path)}


def test_poll_payload_shape() -> None:
    commands = slash.build([POLL])
    (poll,) = commands.payload
    _validate(commands.payload)
    create, close, results = poll["options"]
    assert (create["name"], close["name"], results["name"]) == ("create", "close", "results")
    names = [(o["name"], o["type"], o["required"]) for o in create["options"]]
    assert names[:2] == [("question", 3, True), ("option1", 3, True)]
    assert ("option10", 3, False) in names
    assert ("multi", 5, False) in names and ("closes", 3, False) in names
    assert close["options"] == [{"type": 3, "name": "id", "description": "id", "required": True}]


def test_builtin_and_example_commands_are_valid_for_discord() -> None:
    specs = [spec for f in builtin_features() for spec, _ in f.command_handlers()]
    commands = slash.build([*specs, POLL, REPORT, WELCOME, FAQ, NESTED])
    _validate(commands.payload)
    assert {"type": 3, "name": slash.REPORT_MENU} in commands.payload
    faq = next(c for c in commands.payload if c["name"] == "faq")
    assert [o["name"] for o in faq["options"]] == ["ask", "add", "list"]
    case = next(c for c in commands.payload if c["name"] == "case")
    show, note = case["options"]
    assert show == {"type": 1, "name": "show", "description": "Cases", "options": []}
    assert note["type"] == 2 and [o["name"] for o in note["options"]] == ["ask", "add"]


def test_a_bare_command_with_subcommands_is_show_on_discord() -> None:
    """``/settings`` (and ``/settings tz``): Discord cannot run a command that has
    subcommands bare, so the bare form is ``/settings show``; ``/rules`` has a ``show``
    subcommand of its own and gets no second one."""
    settings = CommandSpec(
        "settings", "Settings", subcommands=(CommandSpec("tz", "Zone", params=(Param("zone"),)),)
    )
    rules = CommandSpec(
        "rules",
        "Rules",
        subcommands=(CommandSpec("show", "Show"), CommandSpec("set", "Set", params=(Param("t"),))),
    )
    commands = slash.build([settings, rules])
    _validate(commands.payload)
    shown = {c["name"]: [o["name"] for o in c["options"]] for c in commands.payload}
    assert shown == {"settings": ["show", "tz"], "rules": ["show", "set"]}
    assert commands.invocation(_data("settings", ("show",), {})) == ("settings", ())


def test_too_many_options_are_capped() -> None:
    wide = CommandSpec(
        "wide",
        "x" * 300,
        params=(Param("values", variadic=True),),
        options=tuple(Option(f"flag{i}") for i in range(20)),
    )
    commands = slash.build([wide])
    _validate(commands.payload)
    (entry,) = commands.payload
    assert len(entry["options"]) == 25 and len(entry["description"]) == 100


def test_argv_for_the_conformance_command() -> None:
    commands = slash.build([POLL])
    data = _data(
        "poll",
        ("create",),
        {
            "question": "Lunch today?",
            "option1": "Pizza place",
            "option2": "Sushi",
            "multi": True,
            "anonymous": False,
            "closes": "2h",
        },
    )
    assert commands.invocation(data) == (
        "poll",
        ("Lunch today?", "Pizza place", "Sushi", "--multi", "--closes", "2h"),
    )
    assert commands.invocation(_data("poll", ("close",), {"id": "7"})) == ("poll", ("close", "7"))
    assert commands.invocation({"name": "gone", "type": 1}) == ("gone", ())


def test_rest_parameters_and_nested_groups() -> None:
    commands = slash.build([WELCOME, FAQ, NESTED])
    template = 'Hi {name}!  --x "quoted"'
    name, argv = commands.invocation(_data("welcome", ("set",), {"template": template}))
    invocation = bind(WELCOME, argv)
    assert (name, invocation.path, invocation.args["template"]) == (
        "welcome",
        ("welcome", "set"),
        template,
    )
    name, argv = commands.invocation(_data("faq", ("ask",), {"question": "add"}))
    assert bind(FAQ, argv).args == {"question": "add"}, "a question equal to a subcommand"
    name, argv = commands.invocation(_data("case", ("note", "add"), {"text": "late reply"}))
    invocation = bind(NESTED, argv)
    assert invocation.path == ("case", "note", "add")
    assert invocation.args == {"text": "late reply"}


values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20
).filter(lambda v: v.strip() == v and v)


@settings(max_examples=200, deadline=None)
@given(
    question=values,
    choices=st.lists(values, min_size=1, max_size=10),
    multi=st.booleans(),
    closes=st.one_of(st.none(), values),
)
def test_rebuilt_argv_binds_like_typed_text(
    question: str, choices: list[str], multi: bool, closes: str | None
) -> None:
    """Whatever members type into the options (``--tricks``, ``close``, quotes), the
    core binds the same values the Discord client sent."""
    commands = slash.build([POLL])
    given_values: dict[str, Any] = {"question": question, "multi": multi}
    given_values.update({f"option{i}": choice for i, choice in enumerate(choices, 1)})
    if closes is not None:
        given_values["closes"] = closes
    name, argv = commands.invocation(_data("poll", ("create",), given_values))
    invocation = bind(POLL, argv)
    assert name == "poll" and invocation.path == ("poll",)
    assert invocation.args == {"question": question, "options": tuple(choices)}
    assert invocation.flag("multi") is multi
    assert invocation.options.get("closes") == closes


@pytest.mark.parametrize(
    "typed",
    [
        '/poll "Lunch today?" "Pizza place" Sushi --multi --closes 2h',
        "/poll Tea Yes No",
        "/poll close 12",
    ],
)
def test_same_argv_as_the_text_grammar(typed: str) -> None:
    """The ordinary case produces the very argv the text grammar splits."""
    text_argv = split_arguments(typed.split(" ", 1)[1])
    invocation = bind(POLL, text_argv)
    commands = slash.build([POLL])
    if invocation.path == ("poll",):
        values: dict[str, Any] = {"question": invocation.args["question"]}
        for i, choice in enumerate(invocation.args["options"] or (), 1):
            values[f"option{i}"] = choice
        values.update(invocation.options)
        data = _data("poll", ("create",), values)
    else:
        data = _data("poll", invocation.path[1:], dict(invocation.args))
    assert commands.invocation(data) == ("poll", text_argv)


def test_names_that_clean_up_alike_stay_distinct() -> None:
    spec = CommandSpec(
        "Odd Cmd",
        "Odd names",
        params=(Param("due date"),),
        options=(Option("due-date", takes_value=True), Option("Due_Date!")),
    )
    commands = slash.build([spec])
    _validate(commands.payload)
    (entry,) = commands.payload
    assert entry["name"] == "odd-cmd"
    assert [o["name"] for o in entry["options"]] == ["due-date", "due-date-2", "due_date"]
    name, argv = commands.invocation(
        _data("odd-cmd", (), {"due-date": "friday", "due-date-2": "monday", "due_date": True})
    )
    assert (name, argv) == ("Odd Cmd", ("friday", "--due-date", "monday", "--Due_Date!"))
