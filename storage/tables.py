"""Handles on the spine's tables, for the statements of :mod:`storage.store`,
:mod:`storage.outbox` and :mod:`storage.transaction` (the ORM classes of
:mod:`storage.models` serve as table definitions)."""

from __future__ import annotations

from sqlalchemy import Table

from townsquare.storage.intake_models import RejectedUpdateRow
from townsquare.storage.models import (
    Community,
    CommunitySetting,
    Member,
    OutboxMessage,
    ProcessedEvent,
    ScheduledJob,
    SentMessage,
)

communities: Table = Community.__table__  # type: ignore[assignment]
settings: Table = CommunitySetting.__table__  # type: ignore[assignment]
members: Table = Member.__table__  # type: ignore[assignment]
outbox: Table = OutboxMessage.__table__  # type: ignore[assignment]
processed: Table = ProcessedEvent.__table__  # type: ignore[assignment]
jobs: Table = ScheduledJob.__table__  # type: ignore[assignment]
sent: Table = SentMessage.__table__  # type: ignore[assignment]
rejected: Table = RejectedUpdateRow.__table__  # type: ignore[assignment]
