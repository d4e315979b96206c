"""The rules gate, as pure functions: button payloads and the gate's durations.

The "I accept the rules" button (:class:`AcceptButton`) carries ``onb:acc:<user_id>`` so a
press by anyone else is recognised without a database read; a combined greeting (several
newcomers) carries ``onb:acc`` and the press counts for whichever listed newcomer presses
it. A greeting sent privately adds ``@<community_id>`` because the press then arrives
outside the community. Payloads stay within Telegram's 64-byte ``callback_data`` limit;
when an id would not fit, the community is left out and looked up instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, ClassVar

from townsquare.core.buttons import MaxLen, Payload, PayloadTooLong


@dataclass(frozen=True, slots=True)
class AcceptButton(Payload):
    """``onb:acc[:<user_id>[@<community_id>]]``: whose button it is (None for a combined
    greeting's), and the community when the greeting was sent privately."""

    prefix: ClassVar[str] = "onb:acc"
    separator: ClassVar[str] = "@"
    user_id: Annotated[str, MaxLen(30)] | None = None
    community_id: Annotated[str, MaxLen(25)] | None = None


def accept_data(user_id: str | None = None, community_id: str | None = None) -> str:
    """The button's data; an id too long for its field is left out (the community is then
    looked up, a newcomer recognised by the pending gate)."""
    for candidate in (AcceptButton(user_id, community_id), AcceptButton(user_id)):
        try:
            return candidate.pack()
        except PayloadTooLong:
            continue
    return AcceptButton().pack()


_DURATION = re.compile(r"^(\d{1,4})\s*([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_TIMEOUT = timedelta(minutes=1)
MAX_TIMEOUT = timedelta(days=7)


def parse_timeout(text: str) -> timedelta | None:
    """``90s``, ``10m``, ``2h``, ``1d`` between a minute and a week; None otherwise."""
    match = _DURATION.match(text.strip().lower())
    if match is None:
        return None
    value = timedelta(seconds=int(match.group(1)) * _SECONDS[match.group(2)])
    return value if MIN_TIMEOUT <= value <= MAX_TIMEOUT else None


def format_timeout(seconds: int) -> str:
    """The shortest exact ``Nd``/``Nh``/``Nm``/``Ns`` form (``600`` -> ``10m``)."""
    for unit in ("d", "h", "m"):
        size = _SECONDS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
