"""Slash commands generated from the core command registry, and argv rebuilt from them.

Discord exposes the one command grammar as application commands. This module is pure: it
turns :class:`core.commands.CommandSpec` s into the JSON of a bulk overwrite, and an
interaction's ``data`` back into ``(name, argv)`` exactly as the text grammar would have
split ``/name ...`` typed on Telegram or Slack, so :func:`core.commands.bind` decides
everything in one place.

Mapping (Discord cannot express every shape of the grammar, so some are translated):

* subcommands become Discord subcommands, their subcommands subcommand groups;
* a command with both its own parameters and subcommands (``/poll "Q?" A B`` and
  ``/poll close <id>``) cannot be both in Discord; its own form becomes an extra
  subcommand: ``create`` when it takes several values, ``ask`` when it takes one
  (``/faq <question>``), whichever of those and ``run`` is free; a command that takes
  nothing itself but has subcommands (``/settings`` and ``/settings tz``) gets its bare
  form as ``show``, unless it has a ``show`` subcommand already (``/rules show``), which
  is what its bare form does;
* a parameter becomes a string option, a variadic one up to ten numbered string options
  (``options`` -> ``option1`` .. ``option10``, the first required if the parameter is);
* ``--flag`` becomes a boolean option, ``--key VALUE`` a string option;
* the ``report`` command also gets the message context-menu entry "Report to managers",
  which sends ``/report`` as a reply to the chosen message.

Rebuilt argv: positional values in parameter order, then ``--flag`` for true booleans and
``--key value`` for string options, in the spec's order. Where a value would otherwise be
misread (it starts with ``--``, or the first one equals a subcommand name) the options go
first and ``--`` ends them, which the grammar reads the same way as typed text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from townsquare.core.commands import CommandSpec, Param

log = logging.getLogger(__name__)

REPORT_MENU = "Report to managers"
"""Name of the message context-menu command that files ``/report`` on a message."""
REPORT_COMMAND = "report"
FEEDBACK_MENU = "Send as feedback"
"""Name of the message context-menu command that files ``/feedback`` on a message."""
MESSAGE_MENUS = {REPORT_MENU: REPORT_COMMAND, FEEDBACK_MENU: "feedback"}
"""Each message context-menu command and the command it sends as a reply to the message;
registered when that command is."""

MAX_OPTIONS = 25
MAX_VARIADIC = 10
MAX_SUBCOMMANDS = 25
MAX_DESCRIPTION = 100

CHAT_INPUT = 1
MESSAGE_MENU = 3
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
BOOLEAN = 5

_DASHES = ("--", "—", "–")
_INVALID_NAME_CHARS = re.compile(r"[^-_\w]+")

OptionKind = Literal["param", "variadic", "rest", "flag", "value"]


@dataclass(frozen=True, slots=True)
class SlashOption:
    """One Discord option and the grammar element it stands for."""

    name: str
    kind: OptionKind
    target: str
    """The parameter or option name in the spec."""
    required: bool
    description: str

    def payload(self) -> dict[str, Any]:
        return {
            "type": BOOLEAN if self.kind == "flag" else STRING,
            "name": self.name,
            "description": self.description,
            "required": self.required,
        }


@dataclass(frozen=True, slots=True)
class SlashForm:
    """One invocable form: ``/command [path...]`` with its options."""

    command: str
    path: tuple[str, ...]
    """Subcommand names the grammar expects after the command name (synthetic root-form
    subcommands are not part of it)."""
    options: tuple[SlashOption, ...]
    subcommands: frozenset[str] = frozenset()
    """Casefolded names of the spec's own subcommands: a first positional equal to one of
    them would be read as that subcommand."""

    def argv(self, values: Mapping[str, Any]) -> tuple[str, ...]:
        positionals: list[str] = []
        options: list[str] = []
        has_rest = False
        for option in self.options:
            value = values.get(option.name)
            if value is None:
                continue
            if option.kind == "flag":
                if value is True:
                    options.append(f"--{option.target}")
            elif option.kind == "value":
                text = str(value)
                if text.startswith(_DASHES):
                    options.append(f"--{option.target}={text}")
                else:
                    options += [f"--{option.target}", text]
            elif str(value) != "":
                has_rest = has_rest or option.kind == "rest"
                positionals.append(str(value))
        ambiguous = any(value.startswith(_DASHES) for value in positionals) or bool(
            positionals and positionals[0].casefold() in self.subcommands
        )
        if ambiguous:
            return (*self.path, *options, "--", *positionals)
        if has_rest:  # a rest parameter swallows everything after it, options included
            return (*self.path, *options, *positionals)
        return (*self.path, *positionals, *options)


@dataclass(slots=True)
class SlashCommands:
    """The bulk-overwrite payload and the way back from interaction data to argv."""

    payload: list[dict[str, Any]] = field(default_factory=list)
    forms: dict[tuple[str, ...], SlashForm] = field(default_factory=dict)
    """Keyed by the Discord path: command name, then subcommand group/subcommand names."""
    report_menu: bool = False
    menus: list[str] = field(default_factory=list)
    """The message context-menu commands registered (names of :data:`MESSAGE_MENUS`)."""

    def invocation(self, data: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
        """``(command name, argv)`` for a CHAT_INPUT interaction's ``data``.

        A command Discord still shows but this bot no longer knows (registered by an older
        version) is returned by name without arguments, so the core answers it as unknown.
        """
        name = str(data.get("name", ""))
        path: list[str] = [name]
        options: Sequence[Mapping[str, Any]] = data.get("options") or ()
        while options and options[0].get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            path.append(str(options[0]["name"]))
            options = options[0].get("options") or ()
        form = self.forms.get(tuple(path))
        if form is None:
            return name, ()
        values = {str(option["name"]): option.get("value") for option in options}
        return form.command, form.argv(values)


def discord_name(name: str) -> str:
    """A valid Discord command/option name: lowercase letters, digits, ``-`` and ``_``."""
    cleaned = _INVALID_NAME_CHARS.sub("-", name.strip().lower()).strip("-") or "x"
    return cleaned[:32]


def _description(text: str, fallback: str) -> str:
    text = " ".join((text or fallback).split()) or fallback
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def _singular(name: str) -> str:
    return name[:-1] if len(name) > 3 and name.endswith("s") and not name.endswith("ss") else name


def _options(spec: CommandSpec) -> list[SlashOption]:
    singles = sum(1 for param in spec.params if not param.variadic)
    room = MAX_OPTIONS - singles - len(spec.options)
    result: list[SlashOption] = []
    for param in spec.params:
        if param.variadic:
            stem = discord_name(_singular(param.name))[:30]
            count = max(1, min(MAX_VARIADIC, room))
            for index in range(1, count + 1):
                result.append(
                    SlashOption(
                        name=f"{stem}{index}",
                        kind="variadic",
                        target=param.name,
                        required=param.required and index == 1,
                        description=_description(
                            f"{param.help or param.name} ({index})", param.name
                        ),
                    )
                )
        else:
            result.append(_param_option(param))
    for flag_or_value in spec.options:
        result.append(
            SlashOption(
                name=discord_name(flag_or_value.name),
                kind="value" if flag_or_value.takes_value else "flag",
                target=flag_or_value.name,
                required=False,
                description=_description(flag_or_value.help, flag_or_value.name),
            )
        )
    seen: set[str] = set()
    unique: list[SlashOption] = []
    for slash_option in result[:MAX_OPTIONS]:
        name, suffix = slash_option.name, 1
        while name in seen:  # two spec names that clean up to the same Discord name
            suffix += 1
            name = f"{slash_option.name[:28]}-{suffix}"
        seen.add(name)
        unique.append(slash_option if name == slash_option.name else _renamed(slash_option, name))
    if len(result) > MAX_OPTIONS:
        log.warning(
            "/%s has more than %d options; Discord shows the first ones", spec.name, MAX_OPTIONS
        )
    return unique


def _renamed(option: SlashOption, name: str) -> SlashOption:
    return SlashOption(name, option.kind, option.target, option.required, option.description)


def _param_option(param: Param) -> SlashOption:
    return SlashOption(
        name=discord_name(param.name),
        kind="rest" if param.rest else "param",
        target=param.name,
        required=param.required,
        description=_description(param.help, param.name),
    )


def _options_payload(options: Iterable[SlashOption]) -> list[dict[str, Any]]:
    """Discord wants required options before optional ones; argv keeps the spec's order."""
    ordered = sorted(options, key=lambda option: not option.required)
    return [option.payload() for option in ordered]


def _root_form_name(spec: CommandSpec) -> str:
    taken = {discord_name(sub.name) for sub in spec.subcommands}
    several = len(spec.params) > 1 or any(param.variadic for param in spec.params)
    if not spec.params and not spec.options:
        preferred: tuple[str, ...] = ("show", "run")
    elif several:
        preferred = ("create", "ask", "run")
    else:
        preferred = ("ask", "create", "run")
    return next((name for name in preferred if name not in taken), "invoke")


def _subcommand_names(spec: CommandSpec) -> frozenset[str]:
    return frozenset(sub.name.casefold() for sub in spec.subcommands)


def _level(
    spec: CommandSpec,
    command: str,
    grammar_path: tuple[str, ...],
    discord_path: tuple[str, ...],
    depth: int,
    forms: dict[tuple[str, ...], SlashForm],
) -> list[dict[str, Any]]:
    """The options list of ``spec`` at ``depth`` (0: the command itself, 1: a subcommand)."""
    if not spec.subcommands:
        form = SlashForm(command, grammar_path, tuple(_options(spec)))
        forms[discord_path] = form
        return _options_payload(form.options)
    if depth >= 2:
        log.warning(
            "/%s: subcommands nested deeper than Discord allows are left out",
            " ".join((command, *grammar_path)),
        )
        form = SlashForm(command, grammar_path, tuple(_options(spec)), _subcommand_names(spec))
        forms[discord_path] = form
        return _options_payload(form.options)
    entries: list[dict[str, Any]] = []
    if spec.params or spec.options or "show" not in _subcommand_names(spec):
        name = _root_form_name(spec)
        form = SlashForm(command, grammar_path, tuple(_options(spec)), _subcommand_names(spec))
        forms[(*discord_path, name)] = form
        entries.append(
            {
                "type": SUB_COMMAND,
                "name": name,
                "description": _description(spec.summary, spec.name),
                "options": _options_payload(form.options),
            }
        )
    for sub in spec.subcommands:
        name = discord_name(sub.name)
        inner = _level(
            sub, command, (*grammar_path, sub.name), (*discord_path, name), depth + 1, forms
        )
        nested = sub.subcommands and depth + 1 < 2
        entries.append(
            {
                "type": SUB_COMMAND_GROUP if nested else SUB_COMMAND,
                "name": name,
                "description": _description(sub.summary, sub.name),
                "options": inner,
            }
        )
    if len(entries) > MAX_SUBCOMMANDS:
        log.warning(
            "/%s has more than %d subcommands; the rest are left out", command, MAX_SUBCOMMANDS
        )
    return entries[:MAX_SUBCOMMANDS]


def build(specs: Iterable[CommandSpec]) -> SlashCommands:
    """Application commands for ``specs`` (the top-level specs of the enabled features)."""
    commands = SlashCommands()
    seen: set[str] = set()
    specs_seen: list[CommandSpec] = []
    for spec in specs:
        name = discord_name(spec.name)
        if name in seen:
            log.warning("two commands map to the Discord name /%s; keeping the first", name)
            continue
        seen.add(name)
        specs_seen.append(spec)
        options = _level(spec, spec.name, (), (name,), 0, commands.forms)
        entry: dict[str, Any] = {
            "type": CHAT_INPUT,
            "name": name,
            "description": _description(spec.summary, spec.name),
            "options": options,
        }
        commands.payload.append(entry)
        if spec.name == REPORT_COMMAND:
            commands.report_menu = True
    named = {spec.name for spec in specs_seen}
    for menu, command_name in MESSAGE_MENUS.items():
        if command_name in named:
            commands.menus.append(menu)
            commands.payload.append({"type": MESSAGE_MENU, "name": menu})
    return commands
