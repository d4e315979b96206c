"""SQL side of :mod:`core.tickets`, and the read API of tickets for the web dashboard.

Readers (no writes; each takes an ``AsyncConnection``, so the dashboard reads with
``async with engine.connect() as connection`` and the feature on its batch transaction)::

    await list_tickets(connection, scopes=[("telegram", "-100123")],
                       statuses=OPEN_STATUSES, limit=50)   # newest activity first
    await get_ticket(connection, 12)                   # Ticket | None
    await ticket_messages(connection, 12)              # [TicketMessage], oldest first
    await ticket_audit_log(connection, 12)             # [TicketAudit], oldest first

A ticket's ``scope_platform``/``scope_id`` is the community whose managers' inbox it
uses: the community itself, or in a ``[[spaces]]`` space its first community
(``Context.shared_of``). A dashboard showing a manager's communities passes each of
their scopes; ids must never be read across scopes (``get_ticket`` does not check: the
caller compares ``(ticket.scope_platform, ticket.scope_id)`` with the manager's).
Times: ``created_at``, ``last_activity_at``, ``first_response_at`` (the first team answer;
minus ``created_at`` is the first-response time), ``closed_at``, all UTC.

Changes (reply, claim, close) are never written here by the web: it sends the same
command a manager types (``/ticket <id> reply <text>``, ``/ticket <id> claim``,
``/ticket <id> close``) as an event of the manager's identity.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from townsquare.core.refs import CommunityRef
from townsquare.core.tickets.store import (
    CARD_PREFIX,
    Direction,
    NewTicket,
    Seen,
    Ticket,
    TicketAudit,
    TicketMessage,
    TicketStatus,
)
from townsquare.storage.models import Community, SentMessage
from townsquare.storage.store import SqlTransaction
from townsquare.storage.tickets_models import (
    TicketAuditRow,
    TicketMessageRow,
    TicketRow,
    TicketSeenRow,
)
from townsquare.storage.tickets_privacy import TicketsPersonalData

_tickets: Table = TicketRow.__table__  # type: ignore[assignment]
_messages: Table = TicketMessageRow.__table__  # type: ignore[assignment]
_audit: Table = TicketAuditRow.__table__  # type: ignore[assignment]
_seen: Table = TicketSeenRow.__table__  # type: ignore[assignment]
_sent: Table = SentMessage.__table__  # type: ignore[assignment]
_communities: Table = Community.__table__  # type: ignore[assignment]

OPEN_STATUSES = (TicketStatus.OPEN, TicketStatus.CLAIMED)
ALL_STATUSES = tuple(TicketStatus)

_MUTABLE = (
    "member_bot",
    "member_platform",
    "member_user_id",
    "member_name",
    "status",
    "message_count",
    "claimed_by_id",
    "claimed_by_name",
    "claimed_by_platform",
    "inbox_bot",
    "inbox_channel",
    "inbox_thread",
    "last_activity_at",
    "first_response_at",
    "closed_at",
    "closed_by_name",
    "closed_inactive",
)


def _ticket(row: Any) -> Ticket:
    return Ticket(
        id=row.id,
        platform=row.platform,
        bot=row.bot,
        community_id=row.community_id,
        community_title=row.community_title,
        scope_platform=row.scope_platform,
        scope_id=row.scope_id,
        person_id=row.person_id,
        member_bot=row.member_bot,
        member_platform=row.member_platform,
        member_user_id=row.member_user_id,
        member_name=row.member_name,
        status=TicketStatus(row.status),
        message_count=row.message_count,
        created_at=row.created_at,
        last_activity_at=row.last_activity_at,
        claimed_by_id=row.claimed_by_id,
        claimed_by_name=row.claimed_by_name,
        claimed_by_platform=row.claimed_by_platform,
        inbox_bot=row.inbox_bot,
        inbox_channel=row.inbox_channel,
        inbox_thread=row.inbox_thread,
        first_response_at=row.first_response_at,
        closed_at=row.closed_at,
        closed_by_name=row.closed_by_name,
        closed_inactive=row.closed_inactive,
    )


def _message(row: Any) -> TicketMessage:
    return TicketMessage(
        ticket_id=row.ticket_id,
        direction=Direction(row.direction),
        platform=row.platform,
        author_id=row.author_id,
        author_name=row.author_name,
        text=row.text,
        at=row.at,
        named=row.named,
    )


def _entry(row: Any) -> TicketAudit:
    return TicketAudit(
        ticket_id=row.ticket_id,
        action=row.action,
        actor_platform=row.actor_platform,
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        at=row.at,
        note=row.note,
    )


# -- the read API (the dashboard's) ----------------------------------------------------------


async def list_tickets(
    connection: AsyncConnection,
    *,
    scopes: Collection[tuple[str, str]],
    statuses: Collection[TicketStatus] = OPEN_STATUSES,
    limit: int = 50,
) -> list[Ticket]:
    """Tickets of these scopes (``(platform, community id)`` pairs) in these statuses,
    the most recently active first."""
    if not scopes or not statuses:
        return []
    where = or_(
        *(
            and_(_tickets.c.scope_platform == platform, _tickets.c.scope_id == scope_id)
            for platform, scope_id in sorted(set(scopes))
        )
    )
    rows = await connection.execute(
        select(_tickets)
        .where(where, _tickets.c.status.in_(sorted(str(s) for s in statuses)))
        .order_by(_tickets.c.last_activity_at.desc(), _tickets.c.id.desc())
        .limit(limit)
    )
    return [_ticket(row) for row in rows]


async def get_ticket(connection: AsyncConnection, ticket_id: int) -> Ticket | None:
    """One ticket by id, whatever its scope (the caller checks the scope)."""
    row = (
        await connection.execute(select(_tickets).where(_tickets.c.id == ticket_id))
    ).one_or_none()
    return _ticket(row) if row is not None else None


async def ticket_messages(
    connection: AsyncConnection, ticket_id: int, *, last: int | None = None
) -> list[TicketMessage]:
    """The ticket's messages both ways, oldest first (the ``last`` ones only, if given)."""
    query = select(_messages).where(_messages.c.ticket_id == ticket_id)
    if last is None:
        rows = list(await connection.execute(query.order_by(_messages.c.id)))
    else:
        rows = list(await connection.execute(query.order_by(_messages.c.id.desc()).limit(last)))
        rows.reverse()
    return [_message(row) for row in rows]


async def ticket_audit_log(connection: AsyncConnection, ticket_id: int) -> list[TicketAudit]:
    """Who did what to the ticket, oldest first."""
    rows = await connection.execute(
        select(_audit).where(_audit.c.ticket_id == ticket_id).order_by(_audit.c.id)
    )
    return [_entry(row) for row in rows]


# -- the feature's store ---------------------------------------------------------------------


class SqlTicketStore(TicketsPersonalData):
    """Tickets over one :class:`SqlTransaction`: reads on its connection, writes in the
    feature's savepoint."""

    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    async def create(self, new: NewTicket, now: datetime) -> Ticket:
        result = await self.tx.execute(
            _tickets.insert()
            .values(
                platform=new.platform,
                bot=new.bot,
                community_id=new.community_id,
                community_title=new.community_title[:256],
                scope_platform=new.scope_platform,
                scope_id=new.scope_id,
                person_id=new.person_id,
                member_bot=new.member_bot,
                member_platform=new.member_platform,
                member_user_id=new.member_user_id,
                member_name=new.member_name[:256],
                status=TicketStatus.OPEN.value,
                message_count=0,
                created_at=now,
                last_activity_at=now,
                closed_inactive=False,
            )
            .returning(*_tickets.c)
        )
        return _ticket(result.one())

    async def get(self, ticket_id: int) -> Ticket | None:
        return await get_ticket(self.tx.connection, ticket_id)

    async def save(self, ticket: Ticket) -> None:
        values = {name: getattr(ticket, name) for name in _MUTABLE}
        values["status"] = ticket.status.value
        values["member_name"] = ticket.member_name[:256]
        await self.tx.execute(update(_tickets).where(_tickets.c.id == ticket.id).values(values))

    async def _open(self, condition: Any, scope: CommunityRef | None) -> Ticket | None:
        query = select(_tickets).where(
            condition, _tickets.c.status.in_([s.value for s in OPEN_STATUSES])
        )
        if scope is not None:
            query = query.where(
                _tickets.c.scope_platform == scope.platform, _tickets.c.scope_id == scope.id
            )
        row = (
            await self.tx.connection.execute(
                query.order_by(_tickets.c.last_activity_at.desc(), _tickets.c.id.desc()).limit(1)
            )
        ).one_or_none()
        return _ticket(row) if row is not None else None

    async def open_of(self, persons: Collection[int], scope: CommunityRef | None) -> Ticket | None:
        if not persons:
            return None
        return await self._open(_tickets.c.person_id.in_(sorted(persons)), scope)

    async def open_of_account(
        self, platform: str, user_id: str, scope: CommunityRef | None
    ) -> Ticket | None:
        condition = and_(
            _tickets.c.member_platform == platform, _tickets.c.member_user_id == user_id
        )
        return await self._open(condition, scope)

    async def add_message(self, message: TicketMessage) -> None:
        await self.tx.execute(
            _messages.insert().values(
                ticket_id=message.ticket_id,
                direction=message.direction.value,
                platform=message.platform,
                author_id=message.author_id,
                author_name=message.author_name[:256],
                text=message.text,
                named=message.named,
                at=message.at,
            )
        )

    async def messages(self, ticket_id: int, *, last: int | None = None) -> list[TicketMessage]:
        return await ticket_messages(self.tx.connection, ticket_id, last=last)

    async def audit(self, entry: TicketAudit) -> None:
        await self.tx.execute(
            _audit.insert().values(
                ticket_id=entry.ticket_id,
                action=entry.action,
                actor_platform=entry.actor_platform,
                actor_id=entry.actor_id,
                actor_name=entry.actor_name[:256],
                note=entry.note,
                at=entry.at,
            )
        )

    async def audit_log(self, ticket_id: int) -> list[TicketAudit]:
        return await ticket_audit_log(self.tx.connection, ticket_id)

    async def listed(
        self, scopes: Collection[tuple[str, str]], statuses: Collection[TicketStatus], limit: int
    ) -> list[Ticket]:
        return await list_tickets(self.tx.connection, scopes=scopes, statuses=statuses, limit=limit)

    async def for_card(self, bot: str, message_ids: Sequence[str]) -> Ticket | None:
        """The card is found by its platform message id among ``bot``'s ``ticket:<id>``
        keys (the primary key ``(bot, key)`` narrows the read to the bot's messages; a
        prefix match, not a range, since PostgreSQL collations may order ``:`` apart)."""
        if not message_ids:
            return None
        found = (
            await self.tx.connection.execute(
                select(_sent.c.key)
                .where(
                    _sent.c.bot == bot,
                    _sent.c.key.startswith(CARD_PREFIX, autoescape=True),
                    _sent.c.message_id.in_(sorted(set(message_ids))),
                )
                .limit(1)
            )
        ).one_or_none()
        if found is None:
            return None
        number = str(found.key)[len(CARD_PREFIX) :]
        return await self.get(int(number)) if number.isdigit() else None

    async def in_inbox(
        self, bot: str, channel_id: str, statuses: Collection[TicketStatus], limit: int
    ) -> list[Ticket]:
        rows = await self.tx.connection.execute(
            select(_tickets)
            .where(
                _tickets.c.inbox_bot == bot,
                _tickets.c.inbox_channel == channel_id,
                _tickets.c.status.in_(sorted(str(s) for s in statuses)),
            )
            .order_by(_tickets.c.last_activity_at.desc(), _tickets.c.id.desc())
            .limit(limit)
        )
        return [_ticket(row) for row in rows]

    async def has_inbox(self, bot: str, channel_id: str) -> bool:
        row = (
            await self.tx.connection.execute(
                select(_tickets.c.id)
                .where(_tickets.c.inbox_bot == bot, _tickets.c.inbox_channel == channel_id)
                .limit(1)
            )
        ).one_or_none()
        return row is not None

    async def seen(self, platform: str, user_id: str) -> Seen | None:
        row = (
            await self.tx.connection.execute(
                select(_seen).where(_seen.c.platform == platform, _seen.c.user_id == user_id)
            )
        ).one_or_none()
        if row is None:
            return None
        return Seen(bot=row.bot, community_id=row.community_id, community_title=row.community_title)

    async def note_seen(self, platform: str, user_id: str, seen: Seen, now: datetime) -> None:
        values = {
            "platform": platform,
            "user_id": user_id,
            "bot": seen.bot,
            "community_id": seen.community_id,
            "community_title": seen.community_title[:256],
            "seen_at": now,
        }
        upsert = self.tx.store._insert(_seen).values(values)
        upsert = upsert.on_conflict_do_update(
            index_elements=[_seen.c.platform, _seen.c.user_id],
            set_={k: values[k] for k in ("bot", "community_id", "community_title", "seen_at")},
        )
        await self.tx.execute(upsert)

    async def only_community(self, platform: str) -> tuple[str, str] | None:
        rows = list(
            await self.tx.connection.execute(
                select(_communities.c.external_id, _communities.c.title)
                .where(_communities.c.platform == platform)
                .limit(2)
            )
        )
        if len(rows) != 1:
            return None
        return str(rows[0].external_id), str(rows[0].title or "")
