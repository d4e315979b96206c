"""The table behind resumable gateway sessions (:mod:`storage.gateway`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from townsquare.storage.models import Base


class GatewaySessionRow(Base):
    """Where one shard's gateway session left off: the next process resumes it."""

    __tablename__ = "gateway_sessions"

    bot: Mapped[str] = mapped_column(String(64), primary_key=True)
    shard: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(128))
    resume_url: Mapped[str] = mapped_column(String(512))
    sequence: Mapped[int] = mapped_column(BigInteger)
    saved_at: Mapped[datetime]
