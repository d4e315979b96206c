"""Privacy hooks of giveaways (:mod:`core.privacy`): a forgotten member's entries stay
(the entry count and the draw's list stay whole) under an anonymous key, without their
name, and a round they won names that key; their level copy goes; giveaways they created
or drew name the pseudonym. ``/giveaway verify`` of a giveaway they entered then draws
from the anonymous keys, so it may not recompute the same winners."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, delete, or_

from townsquare.core.privacy import Retention, Subject
from townsquare.storage.giveaways_models import (
    GiveawayEntryRow,
    GiveawayLevelRow,
    GiveawayRoundRow,
    GiveawayRow,
)
from townsquare.storage.privacy import (
    anonymise,
    erase_rows,
    export_tables,
    holding,
    naming,
    of_accounts,
    of_persons,
    of_voters,
    pseudonyms,
    replace_in_json,
    set_values,
)
from townsquare.storage.store import SqlTransaction

_giveaways: Table = GiveawayRow.__table__  # type: ignore[assignment]
_entries: Table = GiveawayEntryRow.__table__  # type: ignore[assignment]
_rounds: Table = GiveawayRoundRow.__table__  # type: ignore[assignment]
_levels: Table = GiveawayLevelRow.__table__  # type: ignore[assignment]


def _entered(subject: Subject) -> Any:
    return or_(
        of_voters(subject, _entries.c.entrant),
        of_accounts(subject, _entries.c.user_id, _entries.c.platform),
    )


class GiveawaysPersonalData:
    tx: SqlTransaction

    async def erase_person(self, subject: Subject) -> None:
        gone = {"user_id": "", "display_name": ""}
        keys = await anonymise(self.tx, _entries, _entered(subject), "entrant", gone)
        mapping = {**pseudonyms(subject), **{str(old): new for old, new in keys.items()}}
        won = or_(naming(subject, _rounds.c.winners), holding(_rounds.c.winners, map(str, keys)))
        await replace_in_json(self.tx, _rounds, "winners", won, mapping)
        drawn = of_accounts(subject, _rounds.c.drawn_by)
        await set_values(self.tx, _rounds, drawn, {"drawn_by": subject.pseudonym})
        created = of_accounts(subject, _giveaways.c.created_by, _giveaways.c.platform)
        await set_values(self.tx, _giveaways, created, {"created_by": subject.pseudonym})
        await erase_rows(self.tx, _levels, of_persons(subject, _levels.c.person_id))

    async def export_person(self, subject: Subject) -> dict[str, Any]:
        return await export_tables(
            self.tx,
            [
                (_entries, _entered(subject)),
                (_levels, of_persons(subject, _levels.c.person_id)),
                (_giveaways, of_accounts(subject, _giveaways.c.created_by, _giveaways.c.platform)),
            ],
        )

    async def expire_data(self, retention: Retention, now: datetime) -> None:
        """Giveaways drawn more than ``giveaways`` days ago go, with entries and rounds."""
        cutoff = retention.cutoff("giveaways", now)
        old = and_(_giveaways.c.drawn_at.is_not(None), _giveaways.c.drawn_at < cutoff)
        await self.tx.execute(delete(_giveaways).where(old))
