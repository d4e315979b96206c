"""Reading what a manager typed into an event's details: each mistake is one clear
sentence, and nothing is created or changed until everything reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from townsquare.core.calendar import rules
from townsquare.core.calendar.recurrence import Repeat
from townsquare.core.calendar.store import Details
from townsquare.core.i18n import Translator, _
from townsquare.core.when import Refusal, known_zone, parse_duration, read_when, zone


class Refused(ValueError):
    """What the manager typed cannot be used; ``str()`` is the answer (translated)."""


DEFAULTS = Details(
    title="",
    where=None,
    duration=rules.DEFAULT_DURATION,
    capacity=None,
    remind=rules.DEFAULT_REMIND,
    cutoff=timedelta(),
)


def title(text: str, tr: Translator) -> str:
    value = " ".join(text.split())
    if not value:
        raise Refused(tr(_("The title is empty.")))
    if len(value) > rules.MAX_TITLE:
        raise Refused(tr(_("The title is too long: at most {n} characters."), n=rules.MAX_TITLE))
    return value


def details(options: Mapping[str, str | bool], base: Details, tr: Translator) -> Details:
    """``base`` with the options given changed (``--duration``, ``--where``,
    ``--capacity``, ``--remind``, ``--cutoff``, and ``--title`` for an edit)."""
    changed = base
    raw = options.get("title")
    if isinstance(raw, str):
        changed = replace(changed, title=title(raw, tr))
    raw = options.get("duration")
    if isinstance(raw, str):
        duration = parse_duration(raw)
        if duration is None or not timedelta(minutes=1) <= duration <= rules.MAX_DURATION:
            raise Refused(tr(_("--duration takes a length like 45m, 1h or 2h30m (at most 14d).")))
        changed = replace(changed, duration=duration)
    raw = options.get("where")
    if isinstance(raw, str):
        where = " ".join(raw.split())
        if len(where) > rules.MAX_WHERE:
            raise Refused(tr(_("--where is too long: at most {n} characters."), n=rules.MAX_WHERE))
        changed = replace(changed, where=where or None)
    raw = options.get("capacity")
    if isinstance(raw, str):
        changed = replace(changed, capacity=_capacity(raw, tr))
    raw = options.get("remind")
    if isinstance(raw, str):
        offsets = rules.parse_offsets(raw)
        if offsets is None:
            raise Refused(
                tr(
                    _(
                        "--remind takes offsets like 1d,1h or 30m (at most 5, each at most "
                        "30d), or off."
                    )
                )
            )
        changed = replace(changed, remind=offsets)
    raw = options.get("cutoff")
    if isinstance(raw, str):
        cutoff = parse_duration(raw)
        if cutoff is None or cutoff > rules.MAX_OFFSET:
            raise Refused(tr(_("--cutoff takes a length like 2h or 1d (at most 30d).")))
        changed = replace(changed, cutoff=cutoff)
    return changed


def _capacity(raw: str, tr: Translator) -> int | None:
    value = raw.strip().lower()
    if value in ("off", "none", "0", "unlimited"):
        return None
    if value.isascii() and value.isdigit() and len(value) <= 6:
        number = int(value)
        if 1 <= number <= rules.MAX_CAPACITY:
            return number
    raise Refused(
        tr(_("--capacity takes a number of seats from 1 to {n}, or off."), n=rules.MAX_CAPACITY)
    )


def time_zone(raw: str | bool | None, default: str | None, tr: Translator) -> str:
    if isinstance(raw, str):
        name = raw.strip()
        if name.upper() == "UTC":
            return "UTC"
        if len(name) <= 64 and known_zone(name):
            return name
        raise Refused(
            tr(_("I do not know the time zone {zone}; write it like Europe/Rome."), zone=name)
        )
    return default or "UTC"


def repeat(raw: str | bool | None, tr: Translator) -> Repeat | None:
    if not isinstance(raw, str):
        return None
    try:
        return Repeat(raw.strip().lower())
    except ValueError:
        raise Refused(tr(_("--repeat takes daily, weekly or monthly."))) from None


@dataclass(frozen=True, slots=True)
class Start:
    at: datetime
    """UTC."""
    local: datetime
    """The same moment on the zone's wall clock, naive (a series' anchor)."""


def start(text: str, tz: str, now: datetime, tr: Translator) -> Start:
    """The start ``text`` names in ``tz``, refused with the reason when it names none,
    names it ambiguously, names a time daylight saving skips or repeats there, or lies
    in the past (:func:`core.when.read_when`)."""
    words = " ".join(text.split())
    if not words:
        raise Refused(
            tr(_("When is it? e.g. 2026-12-10 19:00, tomorrow 19:00, fri 18:30 or in 2h."))
        )
    found = read_when(words, now, zone(tz))
    if isinstance(found, Refusal):
        raise Refused(found.text(tr))
    return Start(found.at, found.local)
