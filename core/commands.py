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

from collections.abc import Mapping
from dataclasses import dataclass, field

from core.roles import Role


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    help: str = ""
    required: bool = True
    variadic: bool = False
    """Collects every remaining positional argument (at least one when required)."""
    rest: bool = False
    """Takes the remaining raw text verbatim (quotes, braces and spacing kept)."""


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

    def subcommand(self, name: str) -> CommandSpec | None:
        return next((sub for sub in self.subcommands if sub.name == name), None)


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
