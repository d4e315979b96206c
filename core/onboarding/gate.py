"""The rules gate, as pure functions: button payloads and the gate's durations.

The "I accept the rules" button carries ``onb:acc:<user_id>`` so a press by anyone else is
recognised without a database read; a combined greeting (several newcomers) carries
``onb:acc`` and the press counts for whichever listed newcomer presses it. A greeting sent
privately adds ``@<community_id>`` because the press then arrives outside the community.
Payloads stay within Telegram's 64-byte ``callback_data`` limit; when an id would not fit,
the community is left out and looked up instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

PREFIX = "onb:acc"
MAX_DATA = 64


@dataclass(frozen=True, slots=True)
class Acceptance:
    user_id: str | None
    """Whose button it is; None for a combined greeting's button."""
    community_id: str | None = None


def encode(user_id: str | None = None, community_id: str | None = None) -> str:
    if user_id is None:
        return PREFIX
    data = f"{PREFIX}:{user_id}"
    with_community = f"{data}@{community_id}" if community_id else data
    if len(with_community.encode()) <= MAX_DATA:
        return with_community
    if len(data.encode()) <= MAX_DATA:
        return data
    return PREFIX


def decode(data: str) -> Acceptance | None:
    """The acceptance a button payload stands for, or None if it is not ours."""
    if data == PREFIX:
        return Acceptance(None)
    if not data.startswith(PREFIX + ":"):
        return None
    body = data[len(PREFIX) + 1 :]
    user_id, at, community_id = body.partition("@")
    if not user_id:
        return None
    return Acceptance(user_id, community_id if at and community_id else None)


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
