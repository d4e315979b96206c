"""The person lookup other features key their data by (:class:`core.persons.
PersonDirectory`), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from tests.conftest import migrate
from townsquare.core.persons import PersonDirectory
from townsquare.storage.database import create_engine
from townsquare.storage.people import SqlPeopleStore, SqlPersonDirectory
from townsquare.storage.store import SqlStore

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    await migrate(database_url)
    engine = create_engine(database_url)
    yield SqlStore(engine)
    await engine.dispose()


async def test_an_unknown_account_becomes_a_person_once(store: SqlStore) -> None:
    directory: PersonDirectory = SqlPersonDirectory()
    async with store.transaction() as tx:
        first = await directory.person_of(tx, "telegram", "101")
        again = await directory.person_of(tx, "telegram-ptb", "101")  # the same users
        other = await directory.person_of(tx, "discord", "101")
    async with store.transaction() as tx:
        later = await directory.person_of(tx, "telegram", "101")
        assert await directory.aliases(tx, first) == {first}
    assert first == again == later != other


async def test_merged_persons_answer_for_every_account_and_keep_their_old_ids(
    store: SqlStore,
) -> None:
    directory = SqlPersonDirectory()
    async with store.transaction() as tx:
        people = SqlPeopleStore(tx)
        tg = await people.account("telegram", "101", "Alice", "tg", NOW)
        dc = await people.account("discord", "9", "alice", "dc", NOW)
        sl = await people.account("slack", "U1", "alice", "sl", NOW)
        await people.merge(dc.person_id, sl.person_id, NOW)  # Slack joins Discord
        await people.merge(tg.person_id, dc.person_id, NOW)  # then both join Telegram
    async with store.transaction() as tx:
        for platform, user_id in (("telegram", "101"), ("discord", "9"), ("slack", "U1")):
            assert await directory.person_of(tx, platform, user_id) == tg.person_id
        assert await directory.aliases(tx, tg.person_id) == {
            tg.person_id,
            dc.person_id,
            sl.person_id,
        }
        moved = await SqlPeopleStore(tx).detach("slack", "U1", NOW)
    async with store.transaction() as tx:
        assert await directory.person_of(tx, "slack", "U1") == moved != tg.person_id
        assert await directory.person_of(tx, "discord", "9") == tg.person_id


async def test_a_code_is_used_once_and_stored_only_hashed(store: SqlStore) -> None:
    from sqlalchemy import text

    from townsquare.core.people import rules

    code = rules.new_code()
    async with store.transaction() as tx:
        people = SqlPeopleStore(tx)
        await people.account("telegram", "101", "Alice", "tg", NOW)
        await people.issue_code(
            code_hash=rules.code_hash(code),
            platform="telegram",
            user_id="101",
            bot="tg",
            locale="en",
            expires_at=NOW + rules.CODE_TTL,
            now=NOW,
        )
        found = await people.find_code(rules.code_hash(code))
        assert found is not None and found.user_id == "101"
        assert await people.use_code(found.id, NOW)
        assert not await people.use_code(found.id, NOW)
        dump = [
            str(row) for row in await tx.connection.execute(text("SELECT * FROM people_link_codes"))
        ]
    assert dump and not any(code in row for row in dump)


async def test_many_accounts_are_looked_up_in_one_read_and_none_is_created(
    store: SqlStore,
) -> None:
    directory = SqlPersonDirectory()
    async with store.transaction() as tx:
        people = SqlPeopleStore(tx)
        bob = await people.account("telegram", "7", "Bob", "tg", NOW)
        eve = await people.account("telegram", "8", "Eve", "tg", NOW)
        await people.account("discord", "7", "bob", "dc", NOW)
    async with store.transaction() as tx:
        found = await directory.persons_of(tx, "telegram-ptb", ["7", "8", "9", "7"], create=False)
        assert found == {"7": bob.person_id, "8": eve.person_id}
        assert await directory.persons_of(tx, "telegram", []) == {}
        assert await SqlPeopleStore(tx).find_account("telegram", "9") is None


async def test_many_new_accounts_become_persons_in_a_few_statements(store: SqlStore) -> None:
    directory = SqlPersonDirectory()
    async with store.transaction() as tx:
        bob = await directory.person_of(tx, "telegram", "7")
        found = await directory.persons_of(tx, "telegram", ["7", "8", "9"], create=True)
    assert found["7"] == bob and len(set(found.values())) == 3
    async with store.transaction() as tx:
        for user_id, person in found.items():
            assert await directory.person_of(tx, "telegram", user_id) == person
            assert await directory.aliases(tx, person) == {person}
