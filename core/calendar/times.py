"""An event's times: placed in its zone, and written out for every platform.

Stored and compared in UTC. Shown as a moment span (:func:`core.text.moment`), which
Discord (``<t:…:F>``), Slack (``<!date^…>``) and Telegram (``<tg-time>``) turn into each
reader's own time; where an app cannot, the span's text is what shows, and for an event
that text is the event's own wall clock with its zone and UTC offset
("Thu 10 Dec 2026, 19:00 Europe/Rome (UTC+01:00)"), so nobody has to guess the zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from babel.dates import format_datetime

from townsquare.core.i18n import Translator
from townsquare.core.text import Span, moment
from townsquare.core.when import zone


def to_utc(local: datetime, where: tzinfo) -> datetime:
    """A naive wall-clock time in ``where`` as a UTC instant.

    Deliberate at daylight-saving changes: a time the change skips (02:30 on the spring
    night in Rome) is read with the offset before the change, so it lands the gap later
    on the new clock (03:30), as calendars do; a time the change repeats (02:30 on the
    autumn night) is its first reading (``fold=0``, still summer time)."""
    return local.replace(tzinfo=where, fold=0).astimezone(UTC)


def offset_text(offset: timedelta | None) -> str:
    """``UTC+01:00``, ``UTC-03:30``, ``UTC`` for zero."""
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def local_text(at: datetime, tz: str, language: str) -> str:
    """``at`` on the wall clock of ``tz``, with the zone and its offset then."""
    local = at.astimezone(zone(tz))
    written = format_datetime(local, "EEE d MMM y, HH:mm", locale=language)
    offset = offset_text(local.utcoffset())
    if not tz or tz.upper() in ("UTC", "ETC/UTC"):
        return f"{written} UTC"
    return f"{written} {tz} ({offset})"


def when(at: datetime, tz: str, tr: Translator) -> Span:
    """The event time as a moment span whose text is its own zone's wall clock."""
    return moment(at.astimezone(UTC), local_text(at, tz, tr.language))
