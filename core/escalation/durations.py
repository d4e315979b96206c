"""Durations as managers type them: ``30m``, ``2h``, ``1d``, ``1h30m``, ``1w``."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_WHOLE = re.compile(r"(?:\s*\d+\s*[smhdw])+\s*", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}

MIN_MUTE = timedelta(minutes=1)
MAX_MUTE = timedelta(days=366)
"""Telegram treats restrictions shorter than 30 s or longer than 366 days as forever."""
_LONGEST = 100 * 366 * 86400
"""What a longer duration reads as (``99999999999d`` would overflow ``timedelta``); every
use clamps far below it."""


def parse_duration(text: str) -> timedelta | None:
    """The duration ``text`` names, or None if it is not one (``10`` alone is ambiguous)."""
    if not text or not _WHOLE.fullmatch(text):
        return None
    parts = _PART.findall(text)
    if any(len(amount) > 12 for amount, _unit in parts):
        return timedelta(seconds=_LONGEST)
    seconds = sum(int(amount) * _UNITS[unit.lower()] for amount, unit in parts)
    return timedelta(seconds=min(seconds, _LONGEST)) if seconds > 0 else None


def format_duration(value: timedelta) -> str:
    """Compact and language-neutral: ``1h``, ``1d 2h``, ``45m``, ``30d``; at most two
    units, so it is a rounded-down reading, not a round trip."""
    seconds = int(value.total_seconds())
    if seconds <= 0:
        return "0m"
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return " ".join(parts[:2])
