"""The command grammar shared by every platform.

``/poll "Question?" "Yes" "No" --multi --closes 2h``

* Arguments split like a shell: whitespace separates, quotes group. Straight double quotes
  and the typographic pairs phone keyboards insert (“…”, «…», „…“, ‘…’) all count.
* ``--flag`` and ``--key value`` (or ``--key=value``) are options; which options take a
  value is declared by the command's :class:`CommandSpec`, so binding happens in one place.
* Mistakes become a :class:`CommandUsageError` whose message is short and ends with the
  usage line: users see that, never a stack trace.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from townsquare.core.i18n import _
from townsquare.core.roles import Role
from townsquare.core.scope import IdRef


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    help: str = ""
    required: bool = True
    variadic: bool = False
    """Collects every remaining positional argument (at least one when required)."""
    rest: bool = False
    """Takes the remaining raw text verbatim (quotes, braces and spacing kept)."""
    ref: IdRef | None = None
    """The value is the id of this kind of thing: the framework resolves it within the
    caller's community before the handler runs (:mod:`core.scope`) and puts the object
    in :attr:`Invocation.found`."""


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    help: str = ""
    takes_value: bool = False
    metavar: str = "VALUE"


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command or a subcommand (``/poll close <id>`` is ``poll`` with subcommand ``close``).

    A subcommand is chosen when the first argument equals its name; otherwise the command's
    own ``params`` apply. Each level has its own ``role``.
    """

    name: str
    summary: str
    role: Role = Role.MEMBER
    params: tuple[Param, ...] = ()
    options: tuple[Option, ...] = ()
    subcommands: tuple[CommandSpec, ...] = ()
    needs_reply: bool = False
    """Must be sent as a reply to another message (``/report``, ``/warn``)."""
    needs_community: bool = False
    """Must be used in a community (not a private chat); applies to the subcommands too.
    The dispatcher answers :attr:`elsewhere` (default :data:`OUTSIDE_COMMUNITY`)."""
    elsewhere: str | None = None

    def subcommand(self, name: str) -> CommandSpec | None:
        return next((sub for sub in self.subcommands if sub.name == name), None)


OUTSIDE_COMMUNITY = _("Use this command in a community.")
"""What a command that needs a community answers elsewhere."""


def subcommand_paths(spec: CommandSpec) -> list[tuple[str, ...]]:
    """The path of ``spec`` and of each of its subcommands, depth first."""
    found: list[tuple[str, ...]] = [(spec.name,)]
    for sub in spec.subcommands:
        found += [(spec.name, *path) for path in subcommand_paths(sub)]
    return found


def id_forms(spec: CommandSpec) -> list[tuple[tuple[str, ...], Param]]:
    """Every ``(path, parameter)`` of ``spec`` and its subcommands that names an id, so
    tests can try each from another community."""
    found: list[tuple[tuple[str, ...], Param]] = [
        ((spec.name,), param) for param in spec.params if param.ref is not None
    ]
    for sub in spec.subcommands:
        found += [((spec.name, *path), param) for path, param in id_forms(sub)]
    return found


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Invocation:
    """A command bound to its spec: positional ``args`` by parameter name and ``options``."""

    path: tuple[str, ...]
    spec: CommandSpec
    args: Mapping[str, str | tuple[str, ...] | None] = field(default_factory=dict)
    options: Mapping[str, str | bool] = field(default_factory=dict)
    found: Mapping[str, object] = field(default_factory=dict)
    """The objects the ``ref`` parameters named, resolved in the caller's community."""

    def flag(self, name: str) -> bool:
        return bool(self.options.get(name, False))


class CommandSyntaxError(ValueError):
    """The text cannot be split into arguments (an unclosed quote)."""


class CommandUsageError(ValueError):
    """The arguments do not fit the command; ``str()`` is the message for the user."""

    def __init__(self, problem: str, usage: str) -> None:
        super().__init__(f"{problem}\nUsage: {usage}")
        self.problem = problem
        self.usage = usage


# --- splitting -----------------------------------------------------------------------------

# Opening quote -> the characters that close it. Phone keyboards produce several conventions
# (English “…”, German „…“, Polish „…”, and “…„ from mixed layouts), so all are accepted.
_GROUPING_QUOTES: dict[str, frozenset[str]] = {
    '"': frozenset('"'),
    "“": frozenset("”“„"),
    "„": frozenset("“”"),
    "«": frozenset("»"),
}
# Single quotes double as apostrophes ("don't", "it’s"), so they only group when they open a
# token and a matching quote closes it before whitespace or the end.
_SINGLE_QUOTES: dict[str, frozenset[str]] = {
    "'": frozenset("'"),
    "‘": frozenset("’"),
}
_SNIPPET = 20


def tokenize(text: str) -> list[Token]:
    """Split ``text`` like a shell; offsets let ``rest`` parameters recover the raw text.

    Raises :class:`CommandSyntaxError` for an unclosed double or typographic quote.
    """
    return _scan(text, strict=True)


def split_arguments(arg_text: str) -> tuple[str, ...]:
    """The argument values of ``arg_text`` (what adapters put in ``CommandIssued.argv``)."""
    return tuple(token.value for token in tokenize(arg_text))


def _find_close(text: str, pos: int, closers: frozenset[str], *, at_boundary: bool) -> int:
    """Index of the quote closing a group opened before ``pos``, or -1."""
    index = pos
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and _escapable(text[index + 1], closers):
            index += 2
            continue
        if char in closers and (
            not at_boundary or index + 1 == len(text) or text[index + 1].isspace()
        ):
            return index
        index += 1
    return -1


def _escapable(char: str, closers: frozenset[str]) -> bool:
    return char == "\\" or char in closers


def _unescape(quoted: str, closers: frozenset[str]) -> str:
    out: list[str] = []
    index = 0
    while index < len(quoted):
        char = quoted[index]
        if char == "\\" and index + 1 < len(quoted) and _escapable(quoted[index + 1], closers):
            out.append(quoted[index + 1])
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _scan(text: str, *, strict: bool) -> list[Token]:
    """Tokenize; when not ``strict`` an unclosed quote runs to the end instead of raising."""
    tokens: list[Token] = []
    index, size = 0, len(text)
    while index < size:
        if text[index].isspace():
            index += 1
            continue
        start = index
        parts: list[str] = []
        while index < size and not text[index].isspace():
            char = text[index]
            closers = _GROUPING_QUOTES.get(char)
            close = -1
            if closers is not None:
                close = _find_close(text, index + 1, closers, at_boundary=False)
                if close < 0:
                    if strict:
                        snippet = text[index : index + _SNIPPET]
                        ellipsis = "…" if index + _SNIPPET < size else ""
                        raise CommandSyntaxError(f"Unclosed quote: {snippet}{ellipsis}")
                    close = size
            elif index == start and char in _SINGLE_QUOTES:
                closers = _SINGLE_QUOTES[char]
                close = _find_close(text, index + 1, closers, at_boundary=True)
            if closers is None or close < 0:
                parts.append(char)
                index += 1
                continue
            parts.append(_unescape(text[index + 1 : close], closers))
            index = min(close + 1, size)
        tokens.append(Token("".join(parts), start, index))
    return tokens


# --- recognising a command -----------------------------------------------------------------

# Telegram's rules: 1-32 ASCII letters, digits and underscores; ``@bot`` addresses one bot.
_COMMAND = re.compile(r"\s*/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?=\s|\Z)")


def parse_command_text(text: str, bot_username: str | None = None) -> tuple[str, str] | None:
    """``(name, arg_text)`` for ``/name args`` or ``/name@bot args``, else ``None``.

    ``None`` too when the command names another bot: in a Telegram group every bot sees
    ``/start@otherbot``. Without ``bot_username`` any ``@bot`` suffix is accepted.
    """
    match = _COMMAND.match(text)
    if match is None:
        return None
    addressed = match.group(2)
    if (
        addressed is not None
        and bot_username is not None
        and addressed.casefold() != bot_username.lstrip("@").casefold()
    ):
        return None
    return match.group(1).lower(), text[match.end() :].lstrip()


# --- binding -------------------------------------------------------------------------------

_DASHES = ("—", "–")  # phones turn "--" into an em or en dash


def bind(
    spec: CommandSpec,
    argv: Sequence[str],
    arg_text: str | None = None,
    *,
    prefix: str = "",
    role: Role | None = None,
) -> Invocation:
    """Bind ``argv`` to ``spec`` (descending into subcommands) or raise CommandUsageError.

    ``arg_text`` is the raw argument text ``argv`` was split from; a ``rest`` parameter takes
    its remainder verbatim (without it, the remaining values joined by spaces). ``prefix``
    names the parent commands (``"poll"``) when ``spec`` is a subcommand bound on its own.
    ``role``, when given, keeps subcommands the caller may not use out of the usage shown.
    """
    head = tuple(prefix.lstrip("/").split())
    return _bind(spec, tuple(argv), arg_text, (*head, spec.name), 0, role, spec.role)


def _bind(
    spec: CommandSpec,
    argv: tuple[str, ...],
    arg_text: str | None,
    path: tuple[str, ...],
    consumed: int,
    role: Role | None,
    required_role: Role,
) -> Invocation:
    if argv and not argv[0].startswith("--"):
        sub = _find_subcommand(spec, argv[0])
        if sub is not None:
            return _bind(
                sub,
                argv[1:],
                arg_text,
                (*path, sub.name),
                consumed + 1,
                role,
                max(required_role, sub.role),
            )
    _check_params(spec)

    def fail(problem: str) -> CommandUsageError:
        return CommandUsageError(problem, _usage(spec, path, role, required_role))

    options, positionals, rest_value = _read_argv(spec, argv, arg_text, consumed, fail)
    args = _assign(spec, positionals, rest_value, fail)
    return Invocation(path=path, spec=spec, args=args, options=options)


_Fail = Callable[[str], CommandUsageError]


def _read_argv(
    spec: CommandSpec,
    argv: tuple[str, ...],
    arg_text: str | None,
    consumed: int,
    fail: _Fail,
) -> tuple[dict[str, str | bool], list[str], str | None]:
    """The options, the positional values and a ``rest`` parameter's raw text of ``argv``
    (``--`` ends the options)."""
    options: dict[str, str | bool] = {}
    positionals: list[str] = []
    rest_param = spec.params[-1] if spec.params and spec.params[-1].rest else None
    options_ended = False
    index = 0
    while index < len(argv):
        value = argv[index]
        if not options_ended and value == "--":
            options_ended = True
            index += 1
            continue
        found = None if options_ended else _match_option(spec, value, fail)
        if found is not None:
            option, inline = found
            options[option.name], index = _option_value(option, inline, argv, index, fail)
            continue
        if rest_param is not None and len(positionals) == len(spec.params) - 1:
            return options, positionals, _raw_rest(argv, index, arg_text, consumed)
        positionals.append(value)
        index += 1
    return options, positionals, None


def _option_value(
    option: Option, inline: str | None, argv: tuple[str, ...], index: int, fail: _Fail
) -> tuple[str | bool, int]:
    """The value of the option at ``argv[index]`` and the index after it."""
    if not option.takes_value:
        if inline is not None:
            raise fail(f"Option --{option.name} takes no value")
        return True, index + 1
    if inline is not None:
        return inline, index + 1
    following = argv[index + 1] if index + 1 < len(argv) else None
    if following is None or (following.startswith("--") and len(following) > 2):
        raise fail(f"Option --{option.name} needs a value")
    return following, index + 2


def _assign(
    spec: CommandSpec, positionals: list[str], rest_value: str | None, fail: _Fail
) -> dict[str, str | tuple[str, ...] | None]:
    """The positional values given to the parameters: required ones first, optional ones
    while values are spare, a variadic one takes what is left."""
    args: dict[str, str | tuple[str, ...] | None] = {}
    singles = [param for param in spec.params if not (param.rest or param.variadic)]
    spare = len(positionals) - sum(1 for param in singles if param.required)
    queue = list(positionals)
    for param in singles:
        if param.required:
            if not queue:
                raise fail(f"Missing <{param.name}>")
            args[param.name] = queue.pop(0)
        elif spare > 0 and queue:
            args[param.name] = queue.pop(0)
            spare -= 1
        else:
            args[param.name] = None
    last = spec.params[-1] if spec.params else None
    if last is not None and last.variadic:
        if last.required and not queue:
            raise fail(f"Missing <{last.name}>")
        args[last.name] = tuple(queue)
    elif queue:
        if spec.subcommands and not spec.params:
            raise fail(f"Unknown subcommand {queue[0]}")
        raise fail("Too many arguments")
    if last is not None and last.rest:
        if rest_value is None and last.required:
            raise fail(f"Missing <{last.name}>")
        args[last.name] = rest_value
    return args


def _find_subcommand(spec: CommandSpec, name: str) -> CommandSpec | None:
    folded = name.casefold()
    return next((sub for sub in spec.subcommands if sub.name.casefold() == folded), None)


def _check_params(spec: CommandSpec) -> None:
    """A ``variadic`` or ``rest`` parameter anywhere but last is a bug in the feature."""
    for param in spec.params[:-1]:
        if param.variadic or param.rest:
            raise ValueError(f"/{spec.name}: <{param.name}> must be the last parameter")


def _match_option(
    spec: CommandSpec, value: str, fail: Callable[[str], CommandUsageError]
) -> tuple[Option, str | None] | None:
    """The option ``value`` names and its inline ``=value``, or None for a positional."""
    if value.startswith("--") and len(value) > 2:
        body, dashed = value[2:], False
    elif value.startswith(_DASHES) and len(value) > 1:
        body, dashed = value[1:], True
    else:
        return None
    name, equals, inline = body.partition("=")
    folded = name.casefold()
    option = next((opt for opt in spec.options if opt.name.casefold() == folded), None)
    if option is None:
        if dashed:  # a dash-led word that is not an option stays text
            return None
        raise fail(f"Unknown option --{name}")
    return option, inline if equals else None


def _raw_rest(argv: tuple[str, ...], index: int, arg_text: str | None, consumed: int) -> str:
    if arg_text is not None:
        tokens = _scan(arg_text, strict=False)
        if len(tokens) == consumed + len(argv):
            return arg_text[tokens[consumed + index].start :]
    return " ".join(argv[index:])


# --- usage and help ------------------------------------------------------------------------


def usage(spec: CommandSpec, path: Sequence[str] = (), *, role: Role | None = None) -> str:
    """One line per form of the command at ``path`` (``Invocation.path``; root name optional).

    With ``role``, subcommands that role may not use are left out.
    """
    names = list(path)
    if names and names[0].casefold() == spec.name.casefold():
        names = names[1:]
    node, required = spec, spec.role
    head: tuple[str, ...] = (spec.name,)
    for name in names:
        sub = _find_subcommand(node, name)
        if sub is None:
            break
        node, head, required = sub, (*head, sub.name), max(required, sub.role)
    return _usage(node, head, role, required)


def help_lines(specs: Iterable[CommandSpec], role: Role) -> list[str]:
    """``/name args — summary`` for every form ``role`` may use, for ``/help``."""
    result: list[str] = []
    for spec in specs:
        if role < spec.role:
            continue
        for node, form in _forms(spec, (spec.name,), role, spec.role):
            result.append(f"{form} — {node.summary}" if node.summary else form)
    return result


def _usage(spec: CommandSpec, head: tuple[str, ...], role: Role | None, required: Role) -> str:
    return "\n".join(form for _node, form in _forms(spec, head, role, required))


def _forms(
    spec: CommandSpec, head: tuple[str, ...], role: Role | None, required: Role
) -> list[tuple[CommandSpec, str]]:
    """The usage forms of ``spec`` and its visible subcommands, depth first."""
    nested: list[tuple[CommandSpec, str]] = []
    for sub in spec.subcommands:
        needed = max(required, sub.role)
        if role is None or role >= needed:
            nested.extend(_forms(sub, (*head, sub.name), role, needed))
    own = [(spec, _form(spec, head))] if spec.params or spec.options or not nested else []
    return own + nested


def _form(spec: CommandSpec, head: tuple[str, ...]) -> str:
    words = ["/" + " ".join(head)]
    for param in spec.params:
        label = f"{param.name}..." if param.variadic else param.name
        words.append(f"<{label}>" if param.required else f"[{label}]")
    for option in spec.options:
        value = f" {option.metavar}" if option.takes_value else ""
        words.append(f"[--{option.name}{value}]")
    return " ".join(words)
