"""A rewards wallet as the SQL store reads and writes it: the columns of a read by
position, the parameters of a chunk's upsert as a dict (for SQLAlchemy) or a tuple (for
the driver). Every author of a chunk passes here, so nothing goes by column name."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from townsquare.core.rewards.rules import Periods
from townsquare.core.rewards.store import Wallet

_NONE: Mapping[str, int] = MappingProxyType({})


COLUMNS = (
    "person_id",
    "scope",
    "xp",
    "level",
    "reputation",
    "cooling_until",
    "miss",
    "digest",
    "week",
    "week_xp",
    "last_week_xp",
    "month",
    "month_xp",
    "display_name",
    "platform",
    "user_id",
    "username",
    "synced",
)
"""What a wallet is read as, in this order (:func:`wallet_of` unpacks it)."""


def wallet_of(row: Any) -> Wallet:
    """A row of :data:`COLUMNS` as a wallet (unpacked by position: every author of a
    chunk passes here)."""
    (
        person_id,
        scope,
        xp,
        level,
        reputation,
        cooling_until,
        miss,
        digest,
        week,
        week_xp,
        last_week_xp,
        month,
        month_xp,
        display_name,
        platform,
        user_id,
        username,
        synced,
    ) = row
    return Wallet(
        scope,
        person_id,
        int(xp),
        level,
        reputation,
        None if cooling_until is None else datetime.fromtimestamp(cooling_until / 1000, UTC),
        miss,
        digest,
        Periods(week, int(week_xp), int(last_week_xp), month, int(month_xp)),
        display_name,
        platform,
        user_id,
        username,
        {str(k): int(v) for k, v in synced.items()} if synced else _NONE,
    )


ROW = (
    "person_id",
    "scope",
    "xp",
    "level",
    "reputation",
    "cooling_until",
    "earned_at",
    "miss",
    "digest",
    "week",
    "week_xp",
    "last_week_xp",
    "month",
    "month_xp",
    "display_name",
    "platform",
    "user_id",
    "username",
    "synced",
)
"""The parameters of a chunk's upsert, in its compiled order (:func:`row_of`)."""


def row_of(wallet: Wallet, now: datetime) -> tuple[Any, ...]:
    """:func:`values_of` as the driver takes them, in :data:`ROW`'s order (``synced`` as
    its JSON text, as SQLAlchemy's JSON type would write it)."""
    periods, at, username, synced = (
        wallet.periods,
        wallet.next_xp_at,
        wallet.username,
        wallet.synced,
    )
    return (
        wallet.person_id,
        wallet.scope,
        wallet.xp,
        wallet.level,
        wallet.reputation,
        None if at is None else round(at.timestamp() * 1000),
        round(now.timestamp() * 1000),
        wallet.miss,
        wallet.digest,
        periods.week,
        periods.week_xp,
        periods.last_week_xp,
        periods.month,
        periods.month_xp,
        wallet.display_name[:256],
        wallet.platform[:32],
        wallet.user_id[:128],
        username[:128] if username else None,
        json.dumps(dict(synced)) if synced else None,
    )


def values_of(wallet: Wallet, now: datetime) -> dict[str, Any]:
    periods, at, username = wallet.periods, wallet.next_xp_at, wallet.username
    return {
        "scope": wallet.scope,
        "person_id": wallet.person_id,
        "xp": wallet.xp,
        "level": wallet.level,
        "reputation": wallet.reputation,
        "cooling_until": None if at is None else round(at.timestamp() * 1000),
        "earned_at": round(now.timestamp() * 1000),
        "miss": wallet.miss,
        "digest": wallet.digest,
        "week": periods.week,
        "week_xp": periods.week_xp,
        "last_week_xp": periods.last_week_xp,
        "month": periods.month,
        "month_xp": periods.month_xp,
        "display_name": wallet.display_name[:256],
        "platform": wallet.platform[:32],
        "user_id": wallet.user_id[:128],
        "username": username[:128] if username else None,
        "synced": dict(wallet.synced) if wallet.synced else None,
    }
