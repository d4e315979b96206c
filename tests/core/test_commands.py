"""The command grammar: splitting, recognising, binding, usage and /help lines."""

from __future__ import annotations

from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from townsquare.core.commands import (
    CommandSpec,
    CommandSyntaxError,
    CommandUsageError,
    Option,
    Param,
    bind,
    help_lines,
    parse_command_text,
    split_arguments,
    tokenize,
    usage,
)
from townsquare.core.roles import Role

POLL = CommandSpec(
    "poll",
    "Start a poll",
    params=(Param("question"), Param("options", variadic=True)),
    options=(Option("multi"), Option("anonymous"), Option("closes", takes_value=True)),
    subcommands=(
        CommandSpec("close", "Close a poll", role=Role.MANAGER, params=(Param("id"),)),
        CommandSpec("results", "Show results", role=Role.MANAGER, params=(Param("id"),)),
        CommandSpec("export", "Export votes as CSV", role=Role.MANAGER, params=(Param("id"),)),
    ),
)
POLL_USAGE = "/poll <question> <options...> [--multi] [--anonymous] [--closes VALUE]"

WELCOME = CommandSpec(
    "welcome",
    "Welcome messages",
    subcommands=(
        CommandSpec("set", "Set the template", params=(Param("template", rest=True),)),
        CommandSpec("show", "Show the template"),
    ),
)

QUOTE_CHARS = "\"'“”„«»‘’\\"
plain_word = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters=QUOTE_CHARS),
    min_size=1,
).filter(lambda word: not any(char.isspace() for char in word))


def values(text: str) -> list[str]:
    return [token.value for token in tokenize(text)]


# --- tokenize ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("   \n\t ", []),
        ("a b  c", ["a", "b", "c"]),
        ('"Lunch today?" Yes No', ["Lunch today?", "Yes", "No"]),
        ("“Lunch today?” “Yes, sure”", ["Lunch today?", "Yes, sure"]),
        ("«x y» z", ["x y", "z"]),
        ("„a b“ „c d” “e f„", ["a b", "c d", "e f"]),
        ("‘single quoted’ rest", ["single quoted", "rest"]),
        ("'it's fine' ok", ["it's fine", "ok"]),
        ("don't worry, it's fine", ["don't", "worry,", "it's", "fine"]),
        ("don’t l’amico", ["don’t", "l’amico"]),
        ("'hello there", ["'hello", "there"]),
        ("'a b'c", ["'a", "b'c"]),
        ('a"b c"d', ["ab cd"]),
        ('"" x', ["", "x"]),
        ('"a\\"b"', ['a"b']),
        ('"a\\\\"', ["a\\"]),
        ('"a\\nb"', ["a\\nb"]),
        ("back\\slash", ["back\\slash"]),
        ("“he said \\” ok”", ["he said ” ok"]),
        ("x\u00a0y z", ["x", "y", "z"]),
    ],
)
def test_tokenize_examples(text: str, expected: list[str]) -> None:
    assert values(text) == expected


def test_token_offsets_cover_the_quotes() -> None:
    text = '  /x "a b"  c'
    tokens = tokenize(text)
    assert [text[token.start : token.end] for token in tokens] == ["/x", '"a b"', "c"]


@pytest.mark.parametrize("text", ['say "hello', "“open", "«open", "„open", 'a "b" "c'])
def test_unclosed_quote_is_a_short_syntax_error(text: str) -> None:
    with pytest.raises(CommandSyntaxError) as error:
        tokenize(text)
    message = str(error.value)
    assert message.startswith("Unclosed quote: ")
    assert "\n" not in message and len(message) < 60


def test_split_arguments_is_the_token_values() -> None:
    assert split_arguments('"a b" c') == ("a b", "c")


@given(st.lists(st.text(alphabet=st.characters(codec="utf-8"))))
def test_quoted_words_round_trip(words: list[str]) -> None:
    quoted = ['"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"' for word in words]
    assert values(" ".join(quoted)) == words


@given(
    st.lists(plain_word, min_size=1),
    st.lists(st.sampled_from([" ", "\n", "\t", "  "]), min_size=1),
)
def test_unquoted_words_round_trip_with_offsets(words: list[str], gaps: list[str]) -> None:
    text = ""
    for index, word in enumerate(words):
        text += gaps[index % len(gaps)] + word
    tokens = tokenize(text)
    assert [token.value for token in tokens] == words
    assert [text[token.start : token.end] for token in tokens] == words


@given(st.text(alphabet="ab '\"“”«»„‘’\\ \n"))
def test_tokens_are_ordered_and_separated_by_whitespace(text: str) -> None:
    try:
        tokens = tokenize(text)
    except CommandSyntaxError:
        return
    position = 0
    for token in tokens:
        assert text[position : token.start].strip() == ""
        assert token.start < token.end
        position = token.end
    assert text[position:].strip() == ""


# --- parse_command_text --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bot", "expected"),
    [
        ("/help", None, ("help", "")),
        ("  /Poll  “Q?” a b", None, ("poll", "“Q?” a b")),
        ("/poll@TownBot x", "townbot", ("poll", "x")),
        ("/poll@townbot x", "@TownBot", ("poll", "x")),
        ("/poll@otherbot x", "townbot", None),
        ("/poll@anybot x", None, ("poll", "x")),
        ("/rules\nBe nice", None, ("rules", "Be nice")),
        ("/set_lang_2 it", None, ("set_lang_2", "it")),
        ("/", None, None),
        ("/ x", None, None),
        ("/path/to/file", None, None),
        ("hello /help", None, None),
        ("/" + "a" * 32, None, ("a" * 32, "")),
        ("/" + "a" * 33, None, None),
        ("/héllo", None, None),
    ],
)
def test_parse_command_text(text: str, bot: str | None, expected: tuple[str, str] | None) -> None:
    assert parse_command_text(text, bot) == expected


# --- bind ----------------------------------------------------------------------------------


def test_bind_with_options_anywhere() -> None:
    invocation = bind(POLL, split_arguments('"Lunch?" Pizza --multi Sushi --closes=2h Salad'))
    assert invocation.path == ("poll",)
    assert invocation.spec is POLL
    assert invocation.args == {"question": "Lunch?", "options": ("Pizza", "Sushi", "Salad")}
    assert invocation.options == {"multi": True, "closes": "2h"}
    assert invocation.flag("multi") and not invocation.flag("anonymous")


def test_bind_value_option_takes_the_next_argument_and_last_wins() -> None:
    invocation = bind(POLL, ["--closes", "1d", "Q", "A", "--CLOSES", "30m"])
    assert invocation.options == {"closes": "30m"}
    assert invocation.args["question"] == "Q"


def test_double_dash_ends_options() -> None:
    invocation = bind(POLL, ["--anonymous", "--", "--multi", "close"])
    assert invocation.args == {"question": "--multi", "options": ("close",)}
    assert invocation.options == {"anonymous": True}


def test_phone_dash_counts_as_double_dash_only_for_known_options() -> None:
    invocation = bind(POLL, ["Q", "—multi", "—not-an-option"])
    assert invocation.options == {"multi": True}
    assert invocation.args["options"] == ("—not-an-option",)


def test_subcommand_is_chosen_case_insensitively() -> None:
    invocation = bind(POLL, ["Close", "7"])
    assert invocation.path == ("poll", "close")
    assert invocation.spec.name == "close"
    assert invocation.args == {"id": "7"}


@pytest.mark.parametrize(
    ("argv", "problem", "path"),
    [
        ([], "Missing <question>", ("poll",)),
        (["Q"], "Missing <options>", ("poll",)),
        (["Q", "A", "--x"], "Unknown option --x", ("poll",)),
        (["Q", "A", "--multi=yes"], "Option --multi takes no value", ("poll",)),
        (["Q", "A", "--closes"], "Option --closes needs a value", ("poll",)),
        (["Q", "A", "--closes", "--multi"], "Option --closes needs a value", ("poll",)),
        (["close"], "Missing <id>", ("poll", "close")),
        (["close", "1", "2"], "Too many arguments", ("poll", "close")),
        (["close", "1", "--multi"], "Unknown option --multi", ("poll", "close")),
    ],
)
def test_bind_errors(argv: list[str], problem: str, path: tuple[str, ...]) -> None:
    with pytest.raises(CommandUsageError) as error:
        bind(POLL, argv)
    assert error.value.problem == problem
    assert error.value.usage == usage(POLL, path)
    message = str(error.value)
    assert message.startswith(problem + "\nUsage: /poll")
    assert "Traceback" not in message


def test_usage_error_can_hide_subcommands_from_a_member() -> None:
    with pytest.raises(CommandUsageError) as error:
        bind(POLL, ["Q"], role=Role.MEMBER)
    assert error.value.usage == POLL_USAGE


def test_rest_takes_the_raw_text_verbatim() -> None:
    arg_text = 'set  Hello {name}, read "the rules"  --pin'
    invocation = bind(WELCOME, split_arguments(arg_text), arg_text)
    assert invocation.path == ("welcome", "set")
    assert invocation.args == {"template": 'Hello {name}, read "the rules"  --pin'}


def test_rest_without_raw_text_joins_the_values() -> None:
    invocation = bind(WELCOME, ["set", "Hello", "the rules"])
    assert invocation.args == {"template": "Hello the rules"}


def test_options_before_rest_and_double_dash() -> None:
    spec = CommandSpec(
        "rules",
        "Rules",
        params=(Param("text", rest=True),),
        options=(Option("pin"),),
    )
    arg_text = "--pin -- --be kind"
    invocation = bind(spec, split_arguments(arg_text), arg_text)
    assert invocation.options == {"pin": True}
    assert invocation.args == {"text": "--be kind"}
    with pytest.raises(CommandUsageError, match="Missing <text>"):
        bind(spec, ["--pin"], "--pin")


def test_optional_params_fill_only_with_spare_arguments() -> None:
    spec = CommandSpec(
        "mute",
        "Mute",
        params=(Param("duration", required=False), Param("who"), Param("reason")),
    )
    assert bind(spec, ["eve", "spam"]).args == {"duration": None, "who": "eve", "reason": "spam"}
    assert bind(spec, ["1h", "eve", "spam"]).args == {
        "duration": "1h",
        "who": "eve",
        "reason": "spam",
    }


def test_spare_arguments_go_to_the_first_optional_params() -> None:
    spec = CommandSpec(
        "lang",
        "Language",
        params=(Param("a", required=False), Param("b", required=False), Param("c")),
    )
    assert bind(spec, ["x", "y"]).args == {"a": "x", "b": None, "c": "y"}
    assert bind(spec, ["y"]).args == {"a": None, "b": None, "c": "y"}


def test_optional_variadic_and_optional_rest() -> None:
    tags = CommandSpec("tag", "Tag", params=(Param("tags", required=False, variadic=True),))
    assert bind(tags, []).args == {"tags": ()}
    report = CommandSpec("report", "Report", params=(Param("reason", required=False, rest=True),))
    assert bind(report, []).args == {"reason": None}
    assert bind(report, ["spam", "ads"], "spam   ads").args == {"reason": "spam   ads"}


def test_unknown_subcommand_of_a_command_without_params() -> None:
    with pytest.raises(CommandUsageError) as error:
        bind(WELCOME, ["sett", "x"])
    assert error.value.problem == "Unknown subcommand sett"
    assert error.value.usage == "/welcome set <template>\n/welcome show"


def test_prefix_names_the_parent_when_binding_a_subcommand() -> None:
    close = POLL.subcommands[0]
    assert bind(close, ["3"], prefix="poll").path == ("poll", "close")
    with pytest.raises(CommandUsageError) as error:
        bind(close, [], prefix="/poll")
    assert error.value.usage == "/poll close <id>"


def test_variadic_not_last_is_a_programming_error() -> None:
    spec = CommandSpec("bad", "Bad", params=(Param("many", variadic=True), Param("one")))
    with pytest.raises(ValueError, match="last parameter") as error:
        bind(spec, ["a"])
    assert not isinstance(error.value, CommandUsageError)


POLL_SUBS = {"close", "results", "export"}
flags = st.sets(st.sampled_from(["multi", "anonymous"]))
positional = plain_word.filter(
    lambda word: not word.startswith(("-", "—", "–")) and word.casefold() not in POLL_SUBS
)


@given(
    st.lists(positional, min_size=2, max_size=6),
    flags,
    st.one_of(st.none(), plain_word),
    st.randoms(use_true_random=False),
)
def test_options_may_sit_anywhere_among_positionals(
    words: list[str], chosen: set[str], closes: str | None, rng: Random
) -> None:
    options: list[list[str]] = [[f"--{name}"] for name in sorted(chosen)]
    if closes is not None:
        options.append(["--closes", closes] if rng.random() < 0.5 else [f"--closes={closes}"])
    argv = list(words)
    for option in options:
        at = rng.randint(0, len(argv))
        argv[at:at] = option
    invocation = bind(POLL, argv)
    assert invocation.args == {"question": words[0], "options": tuple(words[1:])}
    expected: dict[str, str | bool] = dict.fromkeys(chosen, True)
    if closes is not None:
        expected["closes"] = closes
    assert invocation.options == expected


# --- usage and help ------------------------------------------------------------------------


def test_usage_lists_every_form() -> None:
    assert usage(POLL) == "\n".join(
        [POLL_USAGE, "/poll close <id>", "/poll results <id>", "/poll export <id>"]
    )
    assert usage(POLL, ("poll", "export")) == "/poll export <id>"
    assert usage(POLL, ("export",)) == "/poll export <id>"
    assert usage(POLL, role=Role.MEMBER) == POLL_USAGE


def test_usage_shows_optional_and_metavar() -> None:
    spec = CommandSpec(
        "mute",
        "Mute",
        params=(Param("duration"), Param("reason", required=False, rest=True)),
        options=(Option("notify", takes_value=True, metavar="WHO"),),
    )
    assert usage(spec) == "/mute <duration> [reason] [--notify WHO]"


def test_help_lines_hide_what_the_role_may_not_use() -> None:
    settings = CommandSpec("settings", "Show settings", role=Role.MANAGER)
    nested = CommandSpec(
        "case",
        "Cases",
        params=(Param("id"),),
        subcommands=(
            CommandSpec(
                "admin",
                "Admin tools",
                role=Role.MANAGER,
                subcommands=(CommandSpec("purge", "Purge cases"),),
            ),
        ),
    )
    specs = [POLL, WELCOME, settings, nested]
    member = help_lines(specs, Role.MEMBER)
    assert member == [
        POLL_USAGE + " — Start a poll",
        "/welcome set <template> — Set the template",
        "/welcome show — Show the template",
        "/case <id> — Cases",
    ]
    manager = help_lines(specs, Role.MANAGER)
    assert "/poll close <id> — Close a poll" in manager
    assert "/poll export <id> — Export votes as CSV" in manager
    assert "/settings — Show settings" in manager
    assert "/case admin purge — Purge cases" in manager
    assert not any("/poll close" in line or "purge" in line for line in member)


def test_help_shows_the_bare_command_when_no_subcommand_is_visible() -> None:
    spec = CommandSpec(
        "verify",
        "Verification status",
        subcommands=(CommandSpec("on", "Turn on", role=Role.MANAGER),),
    )
    assert help_lines([spec], Role.MEMBER) == ["/verify — Verification status"]
    assert help_lines([spec], Role.OWNER) == ["/verify on — Turn on"]
