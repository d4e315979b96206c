"""Privacy hooks of rewards (:mod:`core.privacy`): a forgotten member's wallets (XP,
levels, reputation, names), their ledger and their thanks go; what they gave others
(reputation, XP by a manager) stays with the receiver, naming the pseudonym as giver."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, or_, select, update

from townsquare.core.privacy import Retention, Subject, anonymous
from townsquare.storage.privacy import (
    erase_rows,
    export_tables,
    holding,
    of_accounts,
    of_persons,
    set_values,
)
from townsquare.storage.rewards_models import (
    RewardsLedgerRow,
    RewardsThanksRow,
    RewardsWalletRow,
)
from townsquare.storage.store import SqlTransaction

_wallets: Table = RewardsWalletRow.__table__  # type: ignore[assignment]
_ledger: Table = RewardsLedgerRow.__table__  # type: ignore[assignment]
_thanks: Table = RewardsThanksRow.__table__  # type: ignore[assignment]


class RewardsPersonalData:
    tx: SqlTransaction

    def _wallets(self, subject: Subject) -> Any:
        return or_(
            of_persons(subject, _wallets.c.person_id),
            of_accounts(subject, _wallets.c.user_id, _wallets.c.platform),
        )

    def _thanks(self, subject: Subject) -> Any:
        return or_(of_persons(subject, _thanks.c.giver), of_persons(subject, _thanks.c.receiver))

    async def erase_person(self, subject: Subject) -> None:
        tx, alias = self.tx, subject.pseudonym
        await erase_rows(tx, _wallets, self._wallets(subject))
        await erase_rows(tx, _ledger, of_persons(subject, _ledger.c.person_id))
        await erase_rows(tx, _thanks, self._thanks(subject))
        given = of_accounts(subject, _ledger.c.by_user_id, _ledger.c.by_platform)
        await set_values(tx, _ledger, given, {"by_user_id": alias, "by_name": alias})
        # A ledger source names the accounts that caused it (``faq:<entry>:<rater>:...``).
        needles = [f":{user_id}" for user_id in sorted(subject.user_ids)]
        rows = await tx.connection.execute(
            select(_ledger.c.id, _ledger.c.source).where(holding(_ledger.c.source, needles))
        )
        for row in rows.all():
            if subject.user_ids & set(str(row.source).split(":")):
                await tx.execute(
                    update(_ledger).where(_ledger.c.id == row.id).values(source=anonymous())
                )

    async def export_person(self, subject: Subject) -> dict[str, Any]:
        return await export_tables(
            self.tx,
            [
                (_wallets, self._wallets(subject)),
                (_ledger, of_persons(subject, _ledger.c.person_id)),
                (_thanks, self._thanks(subject)),
            ],
        )

    async def expire_data(self, retention: Retention, now: datetime) -> None:
        return None  # XP and reputation are kept while the member is (``/forgetme``)
