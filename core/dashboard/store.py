"""What the dashboard feature needs from storage (``storage.web`` implements it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from townsquare.core.privacy import PersonalData


@dataclass(frozen=True, slots=True)
class Grant:
    """An account's right to manage one community on the web."""

    platform: str
    user_id: str
    community_platform: str
    community_id: str
    community_title: str
    bot: str
    display_name: str
    role: int
    granted_at: datetime
    expires_at: datetime


class DashboardStore(PersonalData, Protocol):
    async def issue_token(
        self,
        *,
        token_hash: str,
        person_id: int,
        platform: str,
        user_id: str,
        display_name: str,
        locale: str,
        expires_at: datetime,
        now: datetime,
    ) -> None:
        """Store a new login token; the account's earlier unused ones stop working."""
        ...

    async def grant(self, grant: Grant) -> None:
        """Insert or renew the grant (a revoked one is live again)."""
        ...

    async def live_grants(self, platform: str, user_id: str, now: datetime) -> list[Grant]: ...

    async def revoke(
        self, platform: str, user_id: str, community_platform: str, community_id: str, now: datetime
    ) -> bool:
        """End a live grant; False when there was none."""
        ...
