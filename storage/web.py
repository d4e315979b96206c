"""SQL side of :mod:`core.dashboard` (inside the pipeline's transaction) and of the web
dashboard's logins (:class:`WebAuth`, on its own short transactions).

What must hold with several processes holds in single statements: a login token is
taken by ``UPDATE ... WHERE used_at IS NULL AND expires_at > now`` (of two concurrent
uses one wins), a grant is renewed by an upsert.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from townsquare.core.dashboard import rules
from townsquare.core.dashboard.store import Grant
from townsquare.storage.database import reader
from townsquare.storage.people_models import PersonAccountRow, PersonRow
from townsquare.storage.store import SqlStore, SqlTransaction
from townsquare.storage.web_models import WebGrantRow, WebLoginTokenRow, WebSessionRow
from townsquare.storage.web_privacy import DashboardPersonalData

_tokens: Table = WebLoginTokenRow.__table__  # type: ignore[assignment]
_sessions: Table = WebSessionRow.__table__  # type: ignore[assignment]
_grants: Table = WebGrantRow.__table__  # type: ignore[assignment]
_accounts: Table = PersonAccountRow.__table__  # type: ignore[assignment]
_persons: Table = PersonRow.__table__  # type: ignore[assignment]


def _grant(row: Any) -> Grant:
    return Grant(
        platform=row.platform,
        user_id=row.user_id,
        community_platform=row.community_platform,
        community_id=row.community_id,
        community_title=row.community_title,
        bot=row.bot,
        display_name=row.display_name,
        role=row.role,
        granted_at=row.granted_at,
        expires_at=row.expires_at,
    )


def _live(now: datetime) -> list[Any]:
    return [_grants.c.revoked_at.is_(None), _grants.c.expires_at > now]


class SqlDashboardStore(DashboardPersonalData):
    """:class:`core.dashboard.store.DashboardStore` in the batch transaction."""

    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

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
        await self.tx.execute(
            update(_tokens)
            .where(
                _tokens.c.platform == platform,
                _tokens.c.user_id == user_id,
                _tokens.c.used_at.is_(None),
            )
            .values(used_at=now)
        )
        await self.tx.execute(
            insert(_tokens).values(
                token_hash=token_hash,
                person_id=person_id,
                platform=platform,
                user_id=user_id,
                display_name=display_name,
                locale=locale,
                created_at=now,
                expires_at=expires_at,
            )
        )

    async def grant(self, grant: Grant) -> None:
        module = postgresql if self.tx.store.dialect == "postgresql" else sqlite
        values = {
            "platform": grant.platform,
            "user_id": grant.user_id,
            "community_platform": grant.community_platform,
            "community_id": grant.community_id,
            "community_title": grant.community_title,
            "bot": grant.bot,
            "display_name": grant.display_name,
            "role": grant.role,
            "granted_at": grant.granted_at,
            "expires_at": grant.expires_at,
            "revoked_at": None,
        }
        statement = module.insert(_grants).values(**values)
        keys = ("platform", "user_id", "community_platform", "community_id")
        await self.tx.execute(
            statement.on_conflict_do_update(
                index_elements=list(keys),
                set_={key: value for key, value in values.items() if key not in keys},
            )
        )

    async def live_grants(self, platform: str, user_id: str, now: datetime) -> list[Grant]:
        rows = await self.tx.connection.execute(
            select(_grants).where(
                _grants.c.platform == platform, _grants.c.user_id == user_id, *_live(now)
            )
        )
        return [_grant(row) for row in rows]

    async def revoke(
        self, platform: str, user_id: str, community_platform: str, community_id: str, now: datetime
    ) -> bool:
        result = await self.tx.execute(
            update(_grants)
            .where(
                _grants.c.platform == platform,
                _grants.c.user_id == user_id,
                _grants.c.community_platform == community_platform,
                _grants.c.community_id == community_id,
                _grants.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        return bool(result.rowcount)


@dataclass(frozen=True, slots=True)
class Token:
    id: int
    person_id: int
    platform: str
    user_id: str
    display_name: str
    locale: str


@dataclass(frozen=True, slots=True)
class Session:
    id: int
    csrf: str
    person_id: int
    platform: str
    user_id: str
    display_name: str
    locale: str
    user_agent: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


def _session(row: Any) -> Session:
    return Session(
        id=row.id,
        csrf=row.csrf,
        person_id=row.person_id,
        platform=row.platform,
        user_id=row.user_id,
        display_name=row.display_name,
        locale=row.locale,
        user_agent=row.user_agent,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        expires_at=row.expires_at,
    )


class WebAuth:
    """Login tokens, sessions and grants, as the web side reads and writes them."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._reader = reader(store.engine)

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        async with self.store._writing(), self.store.engine.begin() as connection:
            yield connection

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        async with self._reader.connect() as connection, connection.begin():
            yield connection

    async def valid_token(self, token: str, now: datetime) -> bool:
        """Whether the token may still log in (unknown, used and expired ones may not)."""
        async with self._read() as connection:
            row = (
                await connection.execute(
                    select(_tokens.c.id).where(
                        _tokens.c.token_hash == rules.digest(token),
                        _tokens.c.used_at.is_(None),
                        _tokens.c.expires_at > now,
                    )
                )
            ).first()
        return row is not None

    async def log_in(
        self, token: str, user_agent: str, now: datetime
    ) -> tuple[str, Session] | None:
        """Use the token (once) and open a session: its cookie secret and the session;
        None when the token is unknown, used or expired."""
        secret = rules.new_secret()
        async with self._write() as connection:
            taken = (
                await connection.execute(
                    update(_tokens)
                    .where(
                        _tokens.c.token_hash == rules.digest(token),
                        _tokens.c.used_at.is_(None),
                        _tokens.c.expires_at > now,
                    )
                    .values(used_at=now)
                    .returning(
                        _tokens.c.person_id,
                        _tokens.c.platform,
                        _tokens.c.user_id,
                        _tokens.c.display_name,
                        _tokens.c.locale,
                    )
                )
            ).first()
            if taken is None:
                return None
            created = (
                await connection.execute(
                    insert(_sessions)
                    .values(
                        secret_hash=rules.digest(secret),
                        csrf=rules.new_secret(),
                        person_id=taken.person_id,
                        platform=taken.platform,
                        user_id=taken.user_id,
                        display_name=taken.display_name,
                        locale=taken.locale,
                        user_agent=user_agent[:256],
                        created_at=now,
                        last_seen_at=now,
                        expires_at=now + rules.SESSION_TTL,
                    )
                    .returning(*_sessions.c)
                )
            ).one()
        return secret, _session(created)

    async def session(self, secret: str, now: datetime) -> Session | None:
        """The live session of a cookie secret."""
        async with self._read() as connection:
            row = (
                await connection.execute(
                    select(_sessions).where(
                        _sessions.c.secret_hash == rules.digest(secret),
                        _sessions.c.ended_at.is_(None),
                        _sessions.c.expires_at > now,
                    )
                )
            ).first()
        return _session(row) if row is not None else None

    async def sessions(self, person_id: int, now: datetime) -> list[Session]:
        """The person's live sessions, newest first."""
        async with self._read() as connection:
            rows = await connection.execute(
                select(_sessions)
                .where(
                    _sessions.c.person_id == person_id,
                    _sessions.c.ended_at.is_(None),
                    _sessions.c.expires_at > now,
                )
                .order_by(_sessions.c.id.desc())
            )
            return [_session(row) for row in rows]

    async def end(self, session_id: int, person_id: int, now: datetime) -> bool:
        """End one of the person's sessions; False if it is not theirs or already over."""
        async with self._write() as connection:
            result = await connection.execute(
                update(_sessions)
                .where(
                    _sessions.c.id == session_id,
                    _sessions.c.person_id == person_id,
                    _sessions.c.ended_at.is_(None),
                )
                .values(ended_at=now)
            )
        return bool(result.rowcount)

    async def grants(self, session: Session, now: datetime) -> list[Grant]:
        """The live grants of every account of the session's person now (a person
        merged into another by ``/link`` counts as that one)."""
        async with self._read() as connection:
            person = session.person_id
            for _step in range(8):
                merged = (
                    await connection.execute(
                        select(_persons.c.merged_into).where(_persons.c.id == person)
                    )
                ).scalar()
                if merged is None:
                    break
                person = int(merged)
            accounts = [
                (row.platform, row.user_id)
                for row in await connection.execute(
                    select(_accounts.c.platform, _accounts.c.user_id).where(
                        _accounts.c.person_id == person
                    )
                )
            ]
            accounts.append((session.platform, session.user_id))
            mine = or_(
                *(
                    (_grants.c.platform == platform) & (_grants.c.user_id == user_id)
                    for platform, user_id in set(accounts)
                )
            )
            rows = await connection.execute(
                select(_grants)
                .where(mine, *_live(now))
                .order_by(_grants.c.community_title, _grants.c.community_id)
            )
            return [_grant(row) for row in rows]

    async def set_language(self, session_id: int, language: str) -> None:
        """The language the session's pages are shown in."""
        async with self._write() as connection:
            await connection.execute(
                update(_sessions).where(_sessions.c.id == session_id).values(locale=language)
            )


async def poll_ids(
    connection: AsyncConnection, communities: list[tuple[str, str]], limit: int = 50
) -> list[int]:
    """The newest polls posted in these communities (``(platform, id)``), for the
    dashboard's list; each is then read through :class:`storage.polls.SqlPollStore`."""
    from townsquare.storage.polls_models import PollRow

    polls: Table = PollRow.__table__  # type: ignore[assignment]
    if not communities:
        return []
    where = or_(
        *(
            (polls.c.platform == platform) & (polls.c.community_id == community_id)
            for platform, community_id in communities
        )
    )
    rows = await connection.execute(
        select(polls.c.id).where(where).order_by(polls.c.id.desc()).limit(limit)
    )
    return [int(row.id) for row in rows]


@dataclass(frozen=True, slots=True)
class MemberRow:
    platform: str
    community_id: str
    community_title: str
    user_id: str
    display_name: str
    is_bot: bool
    joined_at: datetime | None
    left_at: datetime | None


async def members(
    connection: AsyncConnection,
    communities: list[tuple[str, str]],
    *,
    text: str = "",
    user_id: str | None = None,
    limit: int = 50,
) -> list[MemberRow]:
    """Members of these communities (``(platform, id)``) known to the roster, by name
    (``text``: a case-insensitive part of the display name or the user id)."""
    from townsquare.storage.models import Community, Member

    roster: Table = Member.__table__  # type: ignore[assignment]
    known: Table = Community.__table__  # type: ignore[assignment]
    if not communities:
        return []
    where = [
        or_(
            *(
                (known.c.platform == platform) & (known.c.external_id == community_id)
                for platform, community_id in communities
            )
        )
    ]
    if text:
        needle = f"%{text.lower()}%"
        where.append(or_(roster.c.display_name.ilike(needle), roster.c.user_id.ilike(needle)))
    if user_id is not None:
        where.append(roster.c.user_id == user_id)
    rows = await connection.execute(
        select(
            known.c.platform,
            known.c.external_id,
            known.c.title,
            roster.c.user_id,
            roster.c.display_name,
            roster.c.is_bot,
            roster.c.joined_at,
            roster.c.left_at,
        )
        .select_from(roster.join(known, known.c.id == roster.c.community_id))
        .where(*where)
        .order_by(roster.c.display_name, roster.c.user_id)
        .limit(limit)
    )
    return [
        MemberRow(
            platform=row.platform,
            community_id=row.external_id,
            community_title=row.title,
            user_id=row.user_id,
            display_name=row.display_name,
            is_bot=row.is_bot,
            joined_at=row.joined_at,
            left_at=row.left_at,
        )
        for row in rows
    ]
