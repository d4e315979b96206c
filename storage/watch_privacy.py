"""Privacy hooks of watch words (:mod:`core.privacy`): a mention keeps its author's name
(shortened) and an excerpt, no id; a forgotten member's mentions go (matched by their
names), and the hourly counts stay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete

from townsquare.core.privacy import Retention, Subject
from townsquare.core.watch.rules import short_name
from townsquare.storage.privacy import erase_rows, export_tables
from townsquare.storage.store import SqlTransaction
from townsquare.storage.watch_models import WatchMentionRow

_mentions: Table = WatchMentionRow.__table__  # type: ignore[assignment]


def _theirs(subject: Subject) -> Any:
    names = sorted({short_name(name) for name in subject.names if name})
    return _mentions.c.author.in_(names)


class WatchPersonalData:
    tx: SqlTransaction

    async def erase_person(self, subject: Subject) -> None:
        await erase_rows(self.tx, _mentions, _theirs(subject))

    async def export_person(self, subject: Subject) -> dict[str, Any]:
        return await export_tables(self.tx, [(_mentions, _theirs(subject))])

    async def expire_data(self, retention: Retention, now: datetime) -> None:
        """Mentions older than ``watch`` days go."""
        cutoff = retention.cutoff("watch", now)
        await self.tx.execute(delete(_mentions).where(_mentions.c.at < cutoff))
