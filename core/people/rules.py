"""The linking rules, as pure functions: codes, attempt limits, what a link does.

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), drawn from
:mod:`secrets`: 31⁸ ≈ 8.5·10¹¹ codes. It is stored as its SHA-256 only (a database dump
or a log of statements shows no usable code), lives :data:`CODE_TTL` and works once.
Wrong codes are counted per account: :data:`MAX_FAILURES` within :data:`FAILURE_WINDOW`
lock the account out of ``/link CODE`` for :data:`LOCKOUT`, even with a right code, so
guessing gets about five tries per 40 minutes and account, against one live code per
account at a time.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_TTL = timedelta(minutes=10)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=10)
LOCKOUT = timedelta(minutes=30)
_SEPARATORS = str.maketrans("", "", " -_.")

PLATFORM_NAMES = {"telegram": "Telegram", "discord": "Discord", "slack": "Slack"}
"""How a platform is named to members (proper names: not translated)."""


def new_code(choice: Callable[[str], str] = secrets.choice) -> str:
    """A fresh code from the cryptographic source (``choice`` is for tests only)."""
    return "".join(choice(ALPHABET) for _index in range(CODE_LENGTH))


def normalize(typed: str) -> str | None:
    """The code a member typed, as stored: case, spaces and dashes do not matter
    (``abcd-2345`` is ``ABCD2345``). None when it cannot be a code at all."""
    value = typed.translate(_SEPARATORS).upper()
    if len(value) != CODE_LENGTH or any(char not in ALPHABET for char in value):
        return None
    return value


def code_hash(code: str) -> str:
    """What is stored of a code: its SHA-256, in hex."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def shown_code(code: str) -> str:
    """A code as shown: two groups of four, easier to copy by hand (``ABCD-2345``)."""
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform.capitalize())


# -- attempts ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attempts:
    """The wrong codes one account typed: how many since ``window_started_at``, and
    until when it is locked out."""

    failures: int = 0
    window_started_at: datetime | None = None
    locked_until: datetime | None = None


def locked(attempts: Attempts, now: datetime) -> bool:
    return attempts.locked_until is not None and now < attempts.locked_until


def after_failure(attempts: Attempts, now: datetime) -> Attempts:
    """The count after one more wrong code: a window older than :data:`FAILURE_WINDOW`
    starts over; the :data:`MAX_FAILURES`-th wrong code in a window locks the account
    out for :data:`LOCKOUT`."""
    start = attempts.window_started_at
    if start is None or now >= start + FAILURE_WINDOW:
        attempts = Attempts(failures=0, window_started_at=now)
    counted = replace(attempts, failures=attempts.failures + 1, locked_until=None)
    if counted.failures >= MAX_FAILURES:
        return replace(counted, locked_until=now + LOCKOUT)
    return counted


# -- what a link does -------------------------------------------------------------------------


class Plan(StrEnum):
    SAME_ACCOUNT = "same_account"
    """The code typed by the account it was sent to: nothing to join."""
    ALREADY = "already"
    """Both accounts already are one person."""
    CONFLICT = "conflict"
    """Joined, the person would have two accounts on one platform."""
    JOIN = "join"


@dataclass(frozen=True, slots=True)
class Decision:
    plan: Plan
    platform: str | None = None
    """The platform both sides have an account on (:attr:`Plan.CONFLICT`)."""


def plan_link(
    issuer: tuple[str, str],
    issuer_person: int,
    issuer_platforms: Collection[str],
    typer: tuple[str, str],
    typer_person: int,
    typer_platforms: Collection[str],
) -> Decision:
    """What ``/link CODE`` does: ``issuer`` got the code, ``typer`` typed it (accounts as
    ``(platform, user_id)``), each with its person and the platforms that person has
    accounts on.

    Two persons join whole (the typer's other accounts come along: each of those links was
    proven by a code too), unless the result would hold two accounts of one platform:
    ``/unlink <platform>`` names one account per platform, and two Discord accounts of
    one person would let a second account shed or share what the first earned."""
    if issuer == typer:
        return Decision(Plan.SAME_ACCOUNT)
    if issuer_person == typer_person:
        return Decision(Plan.ALREADY)
    shared = sorted(set(issuer_platforms) & set(typer_platforms))
    if shared:
        return Decision(Plan.CONFLICT, shared[0])
    return Decision(Plan.JOIN)
