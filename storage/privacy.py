"""SQL side of :mod:`core.privacy`: helpers each feature's store uses for its hooks, and
the spine's own tables (members, outbox, jobs, rejected updates).

The helpers take a table and a condition built from the subject: :func:`of_accounts`
(a user id column, and the platform column where the table has one: ids of different
platforms never look alike, Telegram's numbers, Discord's 17-19 digit snowflakes and
Slack's ``U...``, so a table without a platform column matches the id alone),
:func:`of_persons`, :func:`of_names`. Writes go through ``tx.execute`` (inside the
feature's savepoint).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    String,
    Table,
    and_,
    cast,
    delete,
    false,
    or_,
    select,
    update,
)

from townsquare.core.privacy import Subject, anonymous, jsonable
from townsquare.storage.ratelimit_models import RateAnswerRow, RateSlotRow
from townsquare.storage.store import SqlTransaction
from townsquare.storage.tables import communities, jobs, members, outbox, rejected

AnyColumn = Column[Any] | ColumnElement[Any]
rate_slots: Table = RateSlotRow.__table__  # type: ignore[assignment]
rate_answers: Table = RateAnswerRow.__table__  # type: ignore[assignment]


def of_accounts(
    subject: Subject, user: AnyColumn, platform: AnyColumn | None = None
) -> ColumnElement[bool]:
    """Rows whose ``user`` column is one of the subject's accounts (on ``platform``)."""
    if platform is None:
        ids = sorted(subject.user_ids)
        return user.in_(ids) if ids else false()
    matches = [
        and_(platform.like(f"{account.platform}%"), user == account.user_id)
        for account in subject.accounts
    ]
    return or_(*matches) if matches else false()


def of_persons(subject: Subject, column: AnyColumn) -> ColumnElement[bool]:
    ids = sorted(subject.person_ids)
    return column.in_(ids) if ids else false()


def of_voters(subject: Subject, column: AnyColumn) -> ColumnElement[bool]:
    """Rows keyed by ``person:<id>`` or a bare user id (space answers, giveaway entrants)."""
    return column.in_(sorted(subject.voters()))


def of_names(subject: Subject, column: AnyColumn) -> ColumnElement[bool]:
    names = sorted(name for name in subject.names if name)
    return column.in_(names) if names else false()


def naming(subject: Subject, column: AnyColumn) -> ColumnElement[bool]:
    """Rows whose JSON or text ``column`` holds one of the subject's user ids as a JSON
    string (``"42"``) or ``person:<id>``: delivery payloads, facts, raw updates."""
    needles = [json.dumps(user_id) for user_id in sorted(subject.user_ids)]
    needles += [f"person:{person}" for person in sorted(subject.person_ids)]
    return holding(column, needles)


def holding(column: AnyColumn, needles: Iterable[str]) -> ColumnElement[bool]:
    """Rows whose ``column``, read as text, contains one of ``needles``."""
    text = cast(column, String)
    matches = [text.contains(needle, autoescape=True) for needle in needles]
    return or_(*matches) if matches else false()


async def rows(tx: SqlTransaction, table: Table, condition: ColumnElement[bool]) -> list[Any]:
    """The matching rows as JSON-ready dicts (for an export)."""
    found = await tx.connection.execute(select(table).where(condition))
    return [{key: jsonable(value) for key, value in row._mapping.items()} for row in found]


async def erase_rows(tx: SqlTransaction, table: Table, condition: ColumnElement[bool]) -> None:
    await tx.execute(delete(table).where(condition))


async def set_values(
    tx: SqlTransaction, table: Table, condition: ColumnElement[bool], values: Mapping[str, Any]
) -> None:
    await tx.execute(update(table).where(condition).values(**values))


async def anonymise(
    tx: SqlTransaction,
    table: Table,
    condition: ColumnElement[bool],
    key: str,
    values: Mapping[str, Any] | None = None,
) -> dict[Any, str]:
    """Keep the matching rows (they count) with a key of their own in column ``key``
    (:func:`core.privacy.anonymous`; rows that shared a key share its replacement, so
    one member's two options in one poll stay one voter) and ``values`` set; returns
    each old key with its replacement."""
    primary = list(table.primary_key.columns)
    wanted = primary if key in {column.name for column in primary} else [*primary, table.c[key]]
    found = (await tx.connection.execute(select(*wanted).where(condition))).all()
    replaced: dict[Any, str] = {}
    for row in found:
        old = row._mapping[key]
        new = replaced.setdefault(old, anonymous())
        where = and_(*(column == row._mapping[column.name] for column in primary))
        await tx.execute(update(table).where(where).values({key: new, **(values or {})}))
    return replaced


async def export_tables(
    tx: SqlTransaction, parts: Iterable[tuple[Table, ColumnElement[bool]]]
) -> dict[str, Any]:
    """``{table name: rows}`` for each (table, condition), leaving out empty ones."""
    exported: dict[str, Any] = {}
    for table, condition in parts:
        found = await rows(tx, table, condition)
        if found:
            exported.setdefault(table.name, []).extend(found)
    return exported


# -- the spine's tables ----------------------------------------------------------------------


def _members_of(subject: Subject) -> ColumnElement[bool]:
    in_community = (
        select(communities.c.id)
        .where(communities.c.id == members.c.community_id)
        .where(of_accounts(subject, members.c.user_id, communities.c.platform))
    )
    return in_community.exists()


def _named(subject: Subject, column: AnyColumn) -> ColumnElement[bool]:
    """Rows whose JSON ``column`` holds one of the subject's names (in any text)."""
    return holding(column, [json.dumps(name)[1:-1] for name in sorted(subject.names) if name])


class SqlPrivacyStore:
    """The tables no feature owns: the member roster, the outbox, the jobs (facts
    travel as jobs) and rejected updates."""

    def __init__(self, tx: SqlTransaction) -> None:
        self.tx = tx

    async def erase_person(self, subject: Subject) -> None:
        await erase_rows(self.tx, members, _members_of(subject))
        await erase_rows(self.tx, outbox, naming(subject, outbox.c.payload))
        # A name may be part of any text: only what was delivered (or failed) goes by it.
        sent = and_(outbox.c.status != "pending", _named(subject, outbox.c.payload))
        await erase_rows(self.tx, outbox, sent)
        await erase_rows(self.tx, jobs, naming(subject, jobs.c.payload))
        await erase_rows(self.tx, rejected, naming(subject, rejected.c.payload))
        for table in (rate_slots, rate_answers):  # per-chat lanes: ``lane:bot:dm:<user>``
            lanes = [
                or_(
                    table.c.key.endswith(f":{user}", autoescape=True),
                    table.c.key.contains(f":{user}:", autoescape=True),
                )
                for user in sorted(subject.user_ids)
            ]
            await erase_rows(self.tx, table, or_(false(), *lanes))

    async def export_person(self, subject: Subject) -> dict[str, Any]:
        return await export_tables(
            self.tx,
            [
                (members, _members_of(subject)),
                (outbox, naming(subject, outbox.c.payload)),
                (jobs, naming(subject, jobs.c.payload)),
            ],
        )

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[None]:
        connection = await self.tx._write()
        savepoint = await connection.begin_nested()
        try:
            yield
        except BaseException:
            await savepoint.rollback()
            self.tx.memo.clear()
            raise
        await savepoint.commit()


def _replaced(value: Any, mapping: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, list):
        return [_replaced(item, mapping) for item in value]
    if isinstance(value, dict):
        return {key: _replaced(item, mapping) for key, item in value.items()}
    return value


async def replace_in_json(
    tx: SqlTransaction,
    table: Table,
    column: str,
    condition: ColumnElement[bool],
    mapping: Mapping[str, str],
) -> None:
    """In the matching rows' JSON ``column``, every string value equal to a key of
    ``mapping`` becomes its value (a user id in a case's evidence, a giveaway's winners)."""
    if not mapping:
        return
    primary = list(table.primary_key.columns)
    found = (await tx.connection.execute(select(*primary, table.c[column]).where(condition))).all()
    for row in found:
        where = and_(*(key == row._mapping[key.name] for key in primary))
        new = _replaced(row._mapping[column], mapping)
        await tx.execute(update(table).where(where).values({column: new}))


def pseudonyms(subject: Subject) -> dict[str, str]:
    """Each user id and ``person:<id>`` of the subject, mapped to its pseudonym."""
    return dict.fromkeys(sorted(subject.voters()), subject.pseudonym)
