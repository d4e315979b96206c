"""SQL side of :mod:`core.people` and of :class:`core.persons.PersonDirectory`.

Reads go through the transaction's connection, writes through ``tx.execute`` (inside the
feature's savepoint). What must hold with several processes on one PostgreSQL holds in
single statements: a code is taken by ``UPDATE ... WHERE used_at IS NULL`` (one of two
concurrent ``/link CODE`` wins), an account is created with ``ON CONFLICT DO NOTHING``
(two first sightings of one account make one person).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, update

from townsquare.core.people.rules import Attempts
from townsquare.core.people.store import Account, IssuedCode
from townsquare.core.persons import account_platform
from townsquare.storage.people_models import (
    LinkAttemptRow,
    LinkCodeRow,
    PersonAccountRow,
    PersonRow,
)
from townsquare.storage.people_privacy import PeoplePersonalData
from townsquare.storage.store import SqlTransaction

_persons: Table = PersonRow.__table__  # type: ignore[assignment]
_accounts: Table = PersonAccountRow.__table__  # type: ignore[assignment]
_codes: Table = LinkCodeRow.__table__  # type: ignore[assignment]
_attempts: Table = LinkAttemptRow.__table__  # type: ignore[assignment]


def _account(row: Any) -> Account:
    return Account(
        platform=row.platform,
        user_id=row.user_id,
        display_name=row.display_name,
        bot=row.bot,
        person_id=row.person_id,
    )


def _key(table: Table, platform: str, user_id: str) -> list[Any]:
    return [table.c.platform == platform, table.c.user_id == user_id]


class SqlPeopleStore(PeoplePersonalData):
    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    async def _new_person(self, now: datetime) -> int:
        result = await self.tx.execute(
            insert(_persons).values(created_at=now).returning(_persons.c.id)
        )
        person_id: int = result.scalar_one()
        return person_id

    async def find_account(self, platform: str, user_id: str) -> Account | None:
        row = (
            await self.tx.connection.execute(
                select(_accounts).where(*_key(_accounts, platform, user_id))
            )
        ).first()
        return _account(row) if row is not None else None

    async def account(
        self, platform: str, user_id: str, display_name: str, bot: str, now: datetime
    ) -> Account:
        found = await self.find_account(platform, user_id)
        if found is None:
            person_id = await self._new_person(now)
            await self.tx.execute(
                self.tx.store._insert(_accounts)
                .values(
                    platform=platform,
                    user_id=user_id,
                    person_id=person_id,
                    display_name=display_name[:256],
                    bot=bot,
                    created_at=now,
                    linked_at=None,
                )
                .on_conflict_do_nothing()
            )
            found = await self.find_account(platform, user_id)
            assert found is not None
            if found.person_id != person_id:  # another process created it first
                await self.tx.execute(delete(_persons).where(_persons.c.id == person_id))
            return found
        if (display_name and found.display_name != display_name) or found.bot != bot:
            name = display_name[:256] or found.display_name
            await self.tx.execute(
                update(_accounts)
                .where(*_key(_accounts, platform, user_id))
                .values(display_name=name, bot=bot)
            )
            found = Account(platform, user_id, name, bot, found.person_id)
        return found

    async def accounts(self, person_id: int) -> list[Account]:
        rows = await self.tx.connection.execute(
            select(_accounts)
            .where(_accounts.c.person_id == person_id)
            .order_by(_accounts.c.platform, _accounts.c.user_id)
        )
        return [_account(row) for row in rows]

    # -- codes ------------------------------------------------------------------------------

    async def issue_code(
        self,
        *,
        code_hash: str,
        platform: str,
        user_id: str,
        bot: str,
        locale: str,
        expires_at: datetime,
        now: datetime,
    ) -> None:
        await self.tx.execute(
            update(_codes)
            .where(*_key(_codes, platform, user_id), _codes.c.used_at.is_(None))
            .values(used_at=now)
        )
        await self.tx.execute(
            delete(_codes).where(_codes.c.expires_at < now)  # keeps the table small
        )
        await self.tx.execute(
            insert(_codes).values(
                code_hash=code_hash,
                platform=platform,
                user_id=user_id,
                bot=bot,
                locale=locale,
                created_at=now,
                expires_at=expires_at,
                used_at=None,
            )
        )

    async def find_code(self, code_hash: str) -> IssuedCode | None:
        row = (
            await self.tx.connection.execute(select(_codes).where(_codes.c.code_hash == code_hash))
        ).first()
        if row is None:
            return None
        return IssuedCode(
            id=row.id,
            platform=row.platform,
            user_id=row.user_id,
            bot=row.bot,
            locale=row.locale,
            expires_at=row.expires_at,
            used_at=row.used_at,
        )

    async def use_code(self, code_id: int, now: datetime) -> bool:
        result = await self.tx.execute(
            update(_codes)
            .where(_codes.c.id == code_id, _codes.c.used_at.is_(None), _codes.c.expires_at > now)
            .values(used_at=now)
        )
        return bool(result.rowcount == 1)

    async def void_code(self, code_id: int, now: datetime) -> None:
        await self.use_code(code_id, now)

    # -- attempts ---------------------------------------------------------------------------

    async def attempts(self, platform: str, user_id: str) -> Attempts:
        row = (
            await self.tx.connection.execute(
                select(_attempts).where(*_key(_attempts, platform, user_id))
            )
        ).first()
        if row is None:
            return Attempts()
        return Attempts(row.failures, row.window_started_at, row.locked_until)

    async def set_attempts(self, platform: str, user_id: str, attempts: Attempts) -> None:
        values = {
            "failures": attempts.failures,
            "window_started_at": attempts.window_started_at,
            "locked_until": attempts.locked_until,
        }
        await self.tx.execute(
            self.tx.store._insert(_attempts)
            .values(platform=platform, user_id=user_id, **values)
            .on_conflict_do_update(index_elements=["platform", "user_id"], set_=values)
        )

    async def clear_attempts(self, platform: str, user_id: str) -> None:
        await self.tx.execute(delete(_attempts).where(*_key(_attempts, platform, user_id)))

    # -- persons ----------------------------------------------------------------------------

    async def merge(self, keep: int, merged: int, now: datetime) -> None:
        self.tx.memo.pop(PERSONS_MEMO, None)
        await self.tx.execute(
            update(_accounts)
            .where(_accounts.c.person_id.in_([keep, merged]))
            .values(person_id=keep, linked_at=now)
        )
        await self.tx.execute(
            update(_persons)
            .where((_persons.c.id == merged) | (_persons.c.merged_into == merged))
            .values(merged_into=keep)
        )

    async def detach(self, platform: str, user_id: str, now: datetime) -> int:
        self.tx.memo.pop(PERSONS_MEMO, None)
        person_id = await self._new_person(now)
        await self.tx.execute(
            update(_accounts)
            .where(*_key(_accounts, platform, user_id))
            .values(person_id=person_id, linked_at=None)
        )
        return person_id


PERSONS_MEMO = "people.persons"
"""The accounts' persons a transaction has read or made, ``(platform, user id) -> person``,
in its memo (emptied when a feature scope fails, dropped by a link or an unlink): the
features that read a chunk's persons ahead (rewards, analytics) read them once."""


def _memo(tx: SqlTransaction) -> dict[tuple[str, str], int]:
    found = tx.memo.get(PERSONS_MEMO)
    if found is None:
        found = tx.memo[PERSONS_MEMO] = {}
    return found


_PERSONS_OF = select(_accounts.c.user_id, _accounts.c.person_id).where(
    _accounts.c.platform == bindparam("platform"),
    _accounts.c.user_id.in_(bindparam("users", expanding=True)),
)
"""A chunk's accounts' persons (built once: building it anew, with its list of ids, cost
about as much as running it)."""


class SqlPersonDirectory:
    """:class:`core.persons.PersonDirectory` on the people tables."""

    async def person_of(self, tx: SqlTransaction, platform: str, user_id: str) -> int:
        family = account_platform(platform)
        memo = _memo(tx)
        known = memo.get((family, user_id))
        if known is not None:
            return known
        store = SqlPeopleStore(tx)
        found = await store.find_account(family, user_id)
        if found is None:
            found = await store.account(family, user_id, "", "", datetime.now(UTC))
        memo[(family, user_id)] = found.person_id
        return found.person_id

    async def persons_of(
        self,
        tx: SqlTransaction,
        platform: str,
        user_ids: Collection[str],
        *,
        create: bool = True,
        unknown: bool = False,
    ) -> dict[str, int]:
        """Four statements for a chunk with new accounts (read, new persons, their
        accounts, read again: another process may have made some first, and the persons
        made for those are deleted), one without, none for accounts this transaction
        asked about before (:data:`PERSONS_MEMO`)."""
        family = account_platform(platform)
        memo = _memo(tx)
        known: dict[str, int] = {}
        wanted: list[str] = []
        for user_id in sorted(set(user_ids)):
            person = memo.get((family, user_id))
            if person is None:
                wanted.append(user_id)
            else:
                known[user_id] = person
        if not wanted:
            return known
        found = await self._ask(tx, family, wanted, create=create, unknown=unknown)
        memo.update({(family, user_id): person for user_id, person in found.items()})
        return known | found

    async def _ask(
        self, tx: SqlTransaction, family: str, wanted: list[str], *, create: bool, unknown: bool
    ) -> dict[str, int]:
        found = {} if unknown and create else await self._read(tx, family, wanted)
        missing = [user_id for user_id in wanted if user_id not in found]
        if not create or not missing:
            return found
        now = datetime.now(UTC)
        connection = tx.connection  # a chunk's read-ahead: outside any feature's savepoint
        made = await connection.execute(
            insert(_persons).returning(_persons.c.id),  # any order: each is new
            [{"created_at": now} for _user in missing],
        )
        persons = [row.id for row in made]
        await connection.execute(
            tx.store._insert(_accounts).on_conflict_do_nothing(),
            [
                {
                    "platform": family,
                    "user_id": user_id,
                    "person_id": person_id,
                    "display_name": "",
                    "bot": "",
                    "created_at": now,
                    "linked_at": None,
                }
                for user_id, person_id in zip(missing, persons, strict=True)
            ],
        )
        if tx.exclusive:  # nobody else can have made any meanwhile
            found |= dict(zip(missing, persons, strict=True))
            return found
        found |= await self._read(tx, family, missing)
        unused = set(persons) - set(found.values())
        if unused:
            await connection.execute(delete(_persons).where(_persons.c.id.in_(sorted(unused))))
        return found

    @staticmethod
    async def _read(tx: SqlTransaction, platform: str, user_ids: list[str]) -> dict[str, int]:
        rows = await tx.connection.execute(_PERSONS_OF, {"platform": platform, "users": user_ids})
        return {user_id: person_id for user_id, person_id in rows}

    async def aliases(self, tx: SqlTransaction, person_id: int) -> frozenset[int]:
        rows = await tx.connection.execute(
            select(_persons.c.id).where(_persons.c.merged_into == person_id)
        )
        return frozenset({person_id, *(row.id for row in rows)})

    async def accounts(
        self, tx: SqlTransaction, person_ids: Collection[int]
    ) -> list[tuple[str, str, str]]:
        """``(platform, user_id, display_name)`` of every account of these persons."""
        rows = await tx.connection.execute(
            select(_accounts.c.platform, _accounts.c.user_id, _accounts.c.display_name).where(
                _accounts.c.person_id.in_(sorted(person_ids))
            )
        )
        return [(row.platform, row.user_id, row.display_name) for row in rows]
