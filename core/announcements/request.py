"""What ``/announce`` asks for, read from the command: pure, so every refusal is tested
without a bot.

``--at`` takes one value, so a time of two words needs quotes (``--at "fri 18:30"``).
Managers type it without them too, so when ``--at``'s word and the text's first word
read together as a time (``--at tomorrow 19:00 Meetup!``, ``--at in 2h ...``; the second
has a digit), they are taken together; the text is what follows, and options right after
the time (``--at tomorrow 19:00 --pin Meetup!``) are read as options, as before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo

from townsquare.core.announcements.rules import LONGEST_WAIT, MAX_TEXT, Every, parse_every
from townsquare.core.commands import (
    CommandSpec,
    CommandSyntaxError,
    CommandUsageError,
    Invocation,
    bind,
    split_arguments,
)
from townsquare.core.i18n import Translator, _
from townsquare.core.when import Reason, Refusal, When, parse_when, read_when


@dataclass(frozen=True, slots=True)
class Problem:
    """A one-line answer to a request that cannot be used (a template and its values, or
    :mod:`core.when`'s reason a time cannot be used)."""

    text: str
    values: dict[str, object] = field(default_factory=dict)
    refusal: Refusal | None = None

    def say(self, tr: Translator) -> str:
        return self.refusal.text(tr) if self.refusal is not None else tr(self.text, **self.values)


_OWN_SENTENCE = ""
"""A refusal of a time brings its own sentence (:meth:`core.when.Refusal.text`)."""


@dataclass(frozen=True, slots=True)
class Request:
    text: str
    at: datetime | None
    """When to post it (UTC); None: now."""
    every: Every | None
    pin: bool
    space: bool


def read_request(invocation: Invocation, now: datetime, where: tzinfo) -> Request | Problem:
    """The announcement ``/announce`` asks for, its times read in ``where``."""
    options = dict(invocation.options)
    text = str(invocation.args.get("text") or "")
    at: datetime | None = None
    raw_at = options.get("at")
    if isinstance(raw_at, str):
        found = _read_at(raw_at, text, now, where)
        if isinstance(found, Problem):
            return found
        at, text = found
        more = _options_after(invocation.spec, text)
        if isinstance(more, Problem):
            return more
        extra, text = more
        if "at" in extra:
            return Problem(_("Give --at once."))
        options.update(extra)
    text = text.strip()
    if not text:
        return Problem(_("Write the announcement after the options: /announce --pin Hello!"))
    if len(text) > MAX_TEXT:
        return Problem(
            _("The announcement is too long: at most {limit} characters, it has {n}."),
            {"limit": MAX_TEXT, "n": len(text)},
        )
    every: Every | None = None
    raw_every = options.get("every")
    if isinstance(raw_every, str):
        every = parse_every(raw_every)
        if every is None:
            return Problem(_("--every takes daily, weekly or monthly."))
    return Request(
        text=text,
        at=at,
        every=every,
        pin=bool(options.get("pin")),
        space=bool(options.get("space")),
    )


def _options_after(spec: CommandSpec, text: str) -> tuple[dict[str, str | bool], str] | Problem:
    """The options that open ``text`` (left after ``--at``'s time) and the text after them,
    read by the command's own grammar."""
    if not text.lstrip().startswith(("--", "—", "–")):
        return {}, text
    try:
        again = bind(replace(spec, subcommands=()), split_arguments(text), text)
    except (CommandSyntaxError, CommandUsageError) as error:
        return Problem(str(error))
    return dict(again.options), str(again.args.get("text") or "")


def _read_at(raw: str, text: str, now: datetime, where: tzinfo) -> tuple[datetime, str] | Problem:
    """``--at``'s time and the text left after it (see the module docstring), read by
    :func:`core.when.read_when`: a time that names nothing, an ambiguous date, a time the
    clocks skip that day or one in the past is refused with the reason. A time the clocks
    repeat that day is taken at its first reading, as a recurring one's occurrences are."""
    first, _space, rest = text.lstrip().partition(" ")
    if "\n" in first:
        first, _newline, tail = first.partition("\n")
        rest = f"{tail} {rest}".strip() if rest else tail
    # Only a word with a digit may finish the time (19:00, 2h): "Hi" never does.
    joined = _when(f"{raw} {first}", now, where) if _digit(first) else None
    if isinstance(joined, datetime):
        at, text = joined, rest
    elif isinstance(joined, Refusal) and joined.reason is not Reason.UNREADABLE:
        return Problem(_OWN_SENTENCE, refusal=joined)  # two words name a time, refused
    else:
        alone = _when(raw, now, where)
        if isinstance(alone, Refusal):
            return Problem(_OWN_SENTENCE, refusal=alone)
        at = alone
    if at > now + LONGEST_WAIT:
        return Problem(_("--at must be within a year."))
    return at, text


def _digit(word: str) -> bool:
    return any(char.isdigit() for char in word)


def _when(text: str, now: datetime, where: tzinfo) -> datetime | Refusal:
    found = read_when(text, now, where)
    if isinstance(found, Refusal) and found.reason is Reason.REPEATED:
        lenient = parse_when(text, now, where)
        return lenient if lenient is not None and lenient > now else found
    return found.at if isinstance(found, When) else found
