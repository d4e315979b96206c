"""Privacy hooks of events (:mod:`core.privacy`): a forgotten member's RSVPs go; their
check-ins keep counting under an anonymous key, without their name; events they created
name the pseudonym."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, or_

from townsquare.core.privacy import Retention, Subject
from townsquare.storage.calendar_models import EventAttendanceRow, EventRow, EventRsvpRow
from townsquare.storage.privacy import (
    anonymise,
    erase_rows,
    export_tables,
    of_accounts,
    of_voters,
    set_values,
)
from townsquare.storage.store import SqlTransaction

_events: Table = EventRow.__table__  # type: ignore[assignment]
_rsvps: Table = EventRsvpRow.__table__  # type: ignore[assignment]
_attendance: Table = EventAttendanceRow.__table__  # type: ignore[assignment]


def _answers(subject: Subject, table: Table) -> Any:
    return or_(
        of_voters(subject, table.c.voter),
        of_accounts(subject, table.c.user_id, table.c.platform),
    )


class EventsPersonalData:
    tx: SqlTransaction

    async def erase_person(self, subject: Subject) -> None:
        await erase_rows(self.tx, _rsvps, _answers(subject, _rsvps))
        gone = {"user_id": "", "display_name": ""}
        await anonymise(self.tx, _attendance, _answers(subject, _attendance), "voter", gone)
        created = of_accounts(subject, _events.c.created_by, _events.c.platform)
        await set_values(self.tx, _events, created, {"created_by": subject.pseudonym})

    async def export_person(self, subject: Subject) -> dict[str, Any]:
        return await export_tables(
            self.tx,
            [
                (_rsvps, _answers(subject, _rsvps)),
                (_attendance, _answers(subject, _attendance)),
                (_events, of_accounts(subject, _events.c.created_by, _events.c.platform)),
            ],
        )

    async def expire_data(self, retention: Retention, now: datetime) -> None:
        """Events that started more than ``events`` days ago go, with their RSVPs and
        check-ins (a day's margin for the longest events)."""
        cutoff = retention.cutoff("events", now) - timedelta(days=1)
        await self.tx.execute(delete(_events).where(_events.c.starts_at < cutoff))
