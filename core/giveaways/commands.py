"""``/giveaway``'s declaration and the reading of its arguments (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from townsquare.core.commands import CommandSpec, Invocation, Option, Param
from townsquare.core.giveaways import rules
from townsquare.core.giveaways.rules import Requirements
from townsquare.core.i18n import _
from townsquare.core.roles import Role
from townsquare.core.scope import IdRef
from townsquare.core.when import parse_when

DRAW_JOB = "giveaways.draw"
GIVEAWAY_ID = IdRef("giveaway", _("There is no giveaway #{id}."))
"""A giveaway named by id: only the caller's community's (or space's) are found."""


def draw_key(giveaway_id: int) -> str:
    """The deadline job's key: one per giveaway, cancelled when it is drawn early."""
    return f"giveaway-draw:{giveaway_id}"


_ID = (Param("id", ref=GIVEAWAY_ID),)

GIVEAWAY = CommandSpec(
    "giveaway",
    _("Start a giveaway with an Enter button (managers)"),
    params=(
        Param("prize", _("what is given away, in quotes")),
        Param("time", _("the rest of --ends, e.g. tomorrow 19:00"), required=False, variadic=True),
    ),
    options=(
        Option(
            "ends",
            _("when it is drawn: 2h, 1d, 2026-12-10 19:00, tomorrow 19:00, fri 18:30"),
            takes_value=True,
            metavar="2h|1d|when",
        ),
        Option("winners", _("how many win (default 1)"), takes_value=True, metavar="N"),
        Option(
            "min-days", _("days in the community an entrant needs"), takes_value=True, metavar="N"
        ),
        Option("min-level", _("level an entrant needs"), takes_value=True, metavar="N"),
        Option("space", _("post it in every community of this space; each person enters once")),
    ),
    subcommands=(
        CommandSpec("enter", _("Enter a giveaway (where there are no buttons)"), params=_ID),
        CommandSpec(
            "verify", _("Check a drawn giveaway's winners against its seed and entries"), params=_ID
        ),
        CommandSpec(
            "reroll",
            _("Draw replacement winners, never an earlier winner"),
            Role.MANAGER,
            params=(*_ID, Param("count", _("how many (default 1)"), required=False)),
        ),
        CommandSpec("end", _("Draw a giveaway now"), Role.MANAGER, params=_ID),
    ),
)


@dataclass(frozen=True, slots=True)
class Problem:
    """A one-line answer to a request that cannot be used (a template and its values)."""

    text: str
    values: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Request:
    prize: str
    ends_at: datetime
    winners: int
    requirements: Requirements
    space: bool


def read_request(invocation: Invocation, now: datetime, where: tzinfo) -> Request | Problem:
    """The giveaway ``/giveaway`` asks for, read in the community's time zone ``where``."""
    prize = " ".join(str(invocation.args.get("prize") or "").split())
    if not prize:
        return Problem(_('Name the prize, in quotes: /giveaway "Prize" --ends 1d'))
    if len(prize) > rules.MAX_PRIZE:
        return Problem(_("The prize is too long: at most {n} characters."), {"n": rules.MAX_PRIZE})
    ends = invocation.options.get("ends")
    rest = invocation.args.get("time") or ()
    if not isinstance(ends, str):
        if rest:
            return Problem(_('Put the prize in quotes: /giveaway "Two tickets" --ends 1d'))
        return Problem(_("Say when it is drawn: --ends 2h, 1d, tomorrow 19:00 or fri 18:30."))
    when = " ".join([ends, *(rest if isinstance(rest, tuple) else (rest,))])
    ends_at = parse_when(when, now, where)
    if ends_at is None:
        return Problem(
            _(
                "I cannot read --ends {when}: write 2h, 1d, 2026-12-10 19:00, tomorrow 19:00 "
                "or fri 18:30."
            ),
            {"when": when[:40]},
        )
    if ends_at < now + rules.SHORTEST:
        return Problem(_("--ends must be at least a minute from now."))
    if ends_at > now + rules.LONGEST:
        return Problem(_("--ends must be within 90 days."))
    numbers: dict[str, int | None] = {}
    for name, low, high in (
        ("winners", 1, rules.MAX_WINNERS),
        ("min-days", 1, rules.MAX_MIN_DAYS),
        ("min-level", 1, rules.MAX_MIN_LEVEL),
    ):
        raw = invocation.options.get(name)
        number = _number(raw) if isinstance(raw, str) else None
        if isinstance(raw, str) and (number is None or not low <= number <= high):
            return Problem(
                _("--{option} takes a number from {low} to {high}."),
                {"option": name, "low": low, "high": high},
            )
        numbers[name] = number
    return Request(
        prize=prize,
        ends_at=ends_at,
        winners=numbers["winners"] or 1,
        requirements=Requirements(min_days=numbers["min-days"], min_level=numbers["min-level"]),
        space=invocation.flag("space"),
    )


def _number(text: str) -> int | None:
    value = text.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 6:
        return None
    return int(value)
