"""SQL side of :mod:`core.onboarding`: reads on the batch connection, writes through
``SqlTransaction.execute`` (the feature's savepoint)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, select, update

from core.onboarding.store import CommunityState, GateStatus, Newcomer
from storage.onboarding_models import OnboardingCommunityRow, OnboardingNewcomerRow
from storage.store import SqlTransaction

_newcomers: Table = OnboardingNewcomerRow.__table__  # type: ignore[assignment]
_communities: Table = OnboardingCommunityRow.__table__  # type: ignore[assignment]


def _newcomer(row: Any) -> Newcomer:
    return Newcomer(
        platform=row.platform,
        community_id=row.community_id,
        user_id=row.user_id,
        display_name=row.display_name,
        bot=row.bot,
        channel_id=row.channel_id,
        thread_id=row.thread_id,
        joined_at=row.joined_at,
        waiting=row.waiting,
        greeted_at=row.greeted_at,
        gate=GateStatus(row.gate) if row.gate else None,
        gate_due=row.gate_due,
        decided_at=row.decided_at,
    )


class SqlOnboardingStore:
    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    def _member(self, platform: str, community_id: str, user_id: str) -> list[Any]:
        return [
            _newcomers.c.platform == platform,
            _newcomers.c.community_id == community_id,
            _newcomers.c.user_id == user_id,
        ]

    async def newcomer(self, platform: str, community_id: str, user_id: str) -> Newcomer | None:
        row = (
            await self.tx.connection.execute(
                select(_newcomers).where(*self._member(platform, community_id, user_id))
            )
        ).first()
        return _newcomer(row) if row is not None else None

    async def add(self, newcomer: Newcomer) -> None:
        values = {
            "platform": newcomer.platform,
            "community_id": newcomer.community_id,
            "user_id": newcomer.user_id,
            "display_name": newcomer.display_name[:256],
            "bot": newcomer.bot,
            "channel_id": newcomer.channel_id,
            "thread_id": newcomer.thread_id,
            "joined_at": newcomer.joined_at,
            "waiting": newcomer.waiting,
            "greeted_at": newcomer.greeted_at,
            "gate": newcomer.gate.value if newcomer.gate else None,
            "gate_due": newcomer.gate_due,
            "decided_at": newcomer.decided_at,
        }
        keys = ("platform", "community_id", "user_id")
        upsert = self.tx.store._insert(_newcomers).values(values)
        upsert = upsert.on_conflict_do_update(
            index_elements=[_newcomers.c[key] for key in keys],
            set_={key: value for key, value in values.items() if key not in keys},
        )
        await self.tx.execute(upsert)

    async def remove(self, platform: str, community_id: str, user_id: str) -> Newcomer | None:
        known = await self.newcomer(platform, community_id, user_id)
        if known is not None:
            await self.tx.execute(
                delete(_newcomers).where(*self._member(platform, community_id, user_id))
            )
        return known

    async def waiting(self, platform: str, community_id: str) -> list[Newcomer]:
        rows = await self.tx.connection.execute(
            select(_newcomers)
            .where(
                _newcomers.c.platform == platform,
                _newcomers.c.community_id == community_id,
                _newcomers.c.waiting.is_(True),
            )
            .order_by(_newcomers.c.joined_at, _newcomers.c.user_id)
        )
        return [_newcomer(row) for row in rows]

    async def first_waiting(self, platform: str, community_id: str) -> datetime | None:
        joined: datetime | None = await self.tx.connection.scalar(
            select(_newcomers.c.joined_at)
            .where(
                _newcomers.c.platform == platform,
                _newcomers.c.community_id == community_id,
                _newcomers.c.waiting.is_(True),
            )
            .order_by(_newcomers.c.joined_at)
            .limit(1)
        )
        return joined

    async def greeted(
        self, platform: str, community_id: str, user_ids: Sequence[str], at: datetime
    ) -> None:
        if not user_ids:
            return
        await self.tx.execute(
            update(_newcomers)
            .where(
                _newcomers.c.platform == platform,
                _newcomers.c.community_id == community_id,
                _newcomers.c.user_id.in_(list(user_ids)),
            )
            .values(waiting=False, greeted_at=at)
        )

    async def decide(
        self, platform: str, community_id: str, user_id: str, status: GateStatus, at: datetime
    ) -> bool:
        result = await self.tx.execute(
            update(_newcomers)
            .where(
                *self._member(platform, community_id, user_id),
                _newcomers.c.gate == GateStatus.PENDING.value,
            )
            .values(gate=status.value, decided_at=at)
        )
        return bool(result.rowcount)

    async def pending_gates(
        self, platform: str, community_id: str | None = None, user_id: str | None = None
    ) -> list[Newcomer]:
        conditions = [
            _newcomers.c.platform == platform,
            _newcomers.c.gate == GateStatus.PENDING.value,
        ]
        if community_id is not None:
            conditions.append(_newcomers.c.community_id == community_id)
        if user_id is not None:
            conditions.append(_newcomers.c.user_id == user_id)
        rows = await self.tx.connection.execute(
            select(_newcomers).where(*conditions).order_by(_newcomers.c.joined_at)
        )
        return [_newcomer(row) for row in rows]

    async def state(self, platform: str, community_id: str) -> CommunityState:
        row = (
            await self.tx.connection.execute(
                select(_communities).where(
                    _communities.c.platform == platform,
                    _communities.c.community_id == community_id,
                )
            )
        ).first()
        if row is None:
            return CommunityState(platform, community_id)
        return CommunityState(
            platform=platform,
            community_id=community_id,
            greetings=row.greetings,
            last_greeting_bot=row.last_greeting_bot,
            last_greeting_key=row.last_greeting_key,
        )

    async def _upsert(
        self, platform: str, community_id: str, changes: dict[str, Any], at: datetime
    ) -> None:
        values = {"greetings": 0, **changes, "updated_at": at}
        insert = self.tx.store._insert(_communities).values(
            platform=platform, community_id=community_id, **values
        )
        await self.tx.execute(
            insert.on_conflict_do_update(
                index_elements=[_communities.c.platform, _communities.c.community_id],
                set_={**changes, "updated_at": at},
            )
        )

    async def save_greetings(self, state: CommunityState, at: datetime) -> None:
        changes = {
            "greetings": state.greetings,
            "last_greeting_bot": state.last_greeting_bot,
            "last_greeting_key": state.last_greeting_key,
        }
        await self._upsert(state.platform, state.community_id, changes, at)

    async def mark_broken(
        self, platform: str, community_id: str, template: str, at: datetime
    ) -> bool:
        told = await self.tx.connection.scalar(
            select(_communities.c.broken_template).where(
                _communities.c.platform == platform,
                _communities.c.community_id == community_id,
            )
        )
        if told == template:
            return False
        await self._upsert(platform, community_id, {"broken_template": template}, at)
        return True
