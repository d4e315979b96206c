"""Gateway sessions kept in the database (:class:`core.ports.GatewaySessions`)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from townsquare.core.ports import GatewaySession
from townsquare.storage.gateway_models import GatewaySessionRow

_sessions: Table = GatewaySessionRow.__table__  # type: ignore[assignment]


class SqlGatewaySessions:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def load(self, bot: str, shard: int) -> GatewaySession | None:
        async with self.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(_sessions).where(_sessions.c.bot == bot, _sessions.c.shard == shard)
                )
            ).first()
        if row is None:
            return None
        return GatewaySession(row.session_id, row.resume_url, row.sequence)

    async def save(self, bot: str, shard: int, session: GatewaySession) -> None:
        values = {
            "bot": bot,
            "shard": shard,
            "session_id": session.session_id,
            "resume_url": session.resume_url,
            "sequence": session.sequence,
            "saved_at": datetime.now(UTC),
        }
        module = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        upsert = module.insert(_sessions).values(values)
        upsert = upsert.on_conflict_do_update(
            index_elements=[_sessions.c.bot, _sessions.c.shard],
            set_={k: v for k, v in values.items() if k not in ("bot", "shard")},
        )
        async with self.engine.begin() as connection:
            await connection.execute(upsert)

    async def forget(self, bot: str, shard: int) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(
                delete(_sessions).where(_sessions.c.bot == bot, _sessions.c.shard == shard)
            )
