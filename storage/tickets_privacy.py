"""Privacy hooks of tickets (:mod:`core.privacy`): a forgotten member's tickets go, with
their messages and audit (a ticket is the member's private conversation); what a
forgotten manager wrote or did in others' tickets stays, naming the pseudonym."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, delete, or_, select

from townsquare.core.privacy import Retention, Subject
from townsquare.storage.privacy import (
    erase_rows,
    export_tables,
    of_accounts,
    of_persons,
    set_values,
)
from townsquare.storage.store import SqlTransaction
from townsquare.storage.tickets_models import (
    TicketAuditRow,
    TicketMessageRow,
    TicketRow,
    TicketSeenRow,
)

_tickets: Table = TicketRow.__table__  # type: ignore[assignment]
_messages: Table = TicketMessageRow.__table__  # type: ignore[assignment]
_audit: Table = TicketAuditRow.__table__  # type: ignore[assignment]
_seen: Table = TicketSeenRow.__table__  # type: ignore[assignment]


def _theirs(subject: Subject) -> Any:
    return or_(
        of_persons(subject, _tickets.c.person_id),
        of_accounts(subject, _tickets.c.member_user_id, _tickets.c.member_platform),
    )


class TicketsPersonalData:
    tx: SqlTransaction

    async def erase_person(self, subject: Subject) -> None:
        tx, alias = self.tx, subject.pseudonym
        ids = select(_tickets.c.id).where(_theirs(subject)).scalar_subquery()
        await erase_rows(tx, _messages, _messages.c.ticket_id.in_(ids))
        await erase_rows(tx, _audit, _audit.c.ticket_id.in_(ids))
        await erase_rows(tx, _tickets, _theirs(subject))
        await erase_rows(tx, _seen, of_accounts(subject, _seen.c.user_id, _seen.c.platform))
        claimed = of_accounts(subject, _tickets.c.claimed_by_id, _tickets.c.claimed_by_platform)
        await set_values(tx, _tickets, claimed, {"claimed_by_id": alias, "claimed_by_name": alias})
        names = sorted(name for name in subject.names if name)
        if names:
            closer = _tickets.c.closed_by_name.in_(names)
            await set_values(tx, _tickets, closer, {"closed_by_name": alias})
        wrote = of_accounts(subject, _messages.c.author_id, _messages.c.platform)
        await set_values(tx, _messages, wrote, {"author_id": alias, "author_name": alias})
        acted = of_accounts(subject, _audit.c.actor_id, _audit.c.actor_platform)
        await set_values(tx, _audit, acted, {"actor_id": alias, "actor_name": alias})

    async def export_person(self, subject: Subject) -> dict[str, Any]:
        ids = select(_tickets.c.id).where(_theirs(subject)).scalar_subquery()
        return await export_tables(
            self.tx,
            [
                (_tickets, _theirs(subject)),
                (_messages, _messages.c.ticket_id.in_(ids)),
                (_seen, of_accounts(subject, _seen.c.user_id, _seen.c.platform)),
            ],
        )

    async def expire_data(self, retention: Retention, now: datetime) -> None:
        """Tickets closed more than ``tickets`` days ago go, with messages and audit."""
        cutoff = retention.cutoff("tickets", now)
        old = and_(_tickets.c.closed_at.is_not(None), _tickets.c.closed_at < cutoff)
        ids = select(_tickets.c.id).where(old).scalar_subquery()
        await self.tx.execute(delete(_messages).where(_messages.c.ticket_id.in_(ids)))
        await self.tx.execute(delete(_audit).where(_audit.c.ticket_id.in_(ids)))
        await self.tx.execute(delete(_tickets).where(old))
