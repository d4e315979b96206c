"""Tables of the rewards feature: one wallet per person per scope, the ledger of what
managers and facts changed, thanks per pair (their cooldown) and the communities with a
weekly post."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base, Id

SCOPE = 200
"""``space:<name>`` or ``<platform>:<community id>``."""


class RewardsWalletRow(Base):
    """A person's XP, level and reputation in a scope, with the counters of the current
    week and month (the leaderboards of a period read them) and the text of the last
    message that earned (a repeat of it earns nothing). Times a chunk of messages reads
    are integers (milliseconds since the epoch): reading a number costs less than a
    time, on every message."""

    __tablename__ = "rewards_wallets"
    __table_args__ = (Index("ix_rewards_wallets_board", "scope", "xp"),)

    person_id: Mapped[int] = mapped_column(Id, primary_key=True)
    """First in the key: a chunk's wallets are read by person."""
    scope: Mapped[str] = mapped_column(String(SCOPE), primary_key=True)
    xp: Mapped[int] = mapped_column(BigInteger)
    level: Mapped[int]
    reputation: Mapped[int]
    cooling_until: Mapped[int | None] = mapped_column(BigInteger)
    """When the last earning message's cooldown ends (milliseconds since the epoch)."""
    earned_at: Mapped[int] = mapped_column(BigInteger)
    """When the wallet last earned or changed (milliseconds since the epoch)."""
    miss: Mapped[str | None] = mapped_column(String(16))
    digest: Mapped[str | None] = mapped_column(String(16))
    week: Mapped[int]
    """ISO year * 100 + week of ``week_xp``."""
    week_xp: Mapped[int] = mapped_column(BigInteger)
    last_week_xp: Mapped[int] = mapped_column(BigInteger)
    month: Mapped[int]
    """Year * 100 + month of ``month_xp``."""
    month_xp: Mapped[int] = mapped_column(BigInteger)
    display_name: Mapped[str] = mapped_column(String(256))
    platform: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(128))
    synced: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    """Community -> the level its role rewards were given for; NULL while none were."""


class RewardsLedgerRow(Base):
    """A change of XP that no message made: by a manager (``by_*`` name them) or for a
    fact (``source`` keeps it to once)."""

    __tablename__ = "rewards_ledger"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    scope: Mapped[str] = mapped_column(String(SCOPE), index=True)
    person_id: Mapped[int] = mapped_column(Id)
    kind: Mapped[str] = mapped_column(String(16))
    delta: Mapped[int] = mapped_column(BigInteger)
    xp: Mapped[int] = mapped_column(BigInteger)
    """The wallet's XP after the change."""
    by_platform: Mapped[str | None] = mapped_column(String(32))
    by_user_id: Mapped[str | None] = mapped_column(String(128))
    by_name: Mapped[str | None] = mapped_column(String(256))
    source: Mapped[str | None] = mapped_column(String(200), unique=True)
    at: Mapped[datetime]


class RewardsThanksRow(Base):
    """When ``giver`` last thanked ``receiver`` in a scope (the pair's cooldown)."""

    __tablename__ = "rewards_thanks"

    scope: Mapped[str] = mapped_column(String(SCOPE), primary_key=True)
    giver: Mapped[int] = mapped_column(Id, primary_key=True)
    receiver: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime]


class RewardsCommunityRow(Base):
    """A community that uses rewards: where its weekly post goes by default, and the
    last week it was posted (one post a week)."""

    __tablename__ = "rewards_communities"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    community_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(128))
    last_week: Mapped[int | None]
    created_at: Mapped[datetime]
