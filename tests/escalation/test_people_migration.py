"""Revision 0095 gives the warnings already stored their account's person: the person a
linked account already has, else a person of the account's own (what ``/link`` later
merges, so nothing is lost when it joins another)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from townsquare.storage.database import create_engine
from townsquare.storage.escalation_models import EscalationWarningRow
from townsquare.storage.migrate import upgrade
from townsquare.storage.people_models import PersonAccountRow, PersonRow

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def warning(platform: str, community: str, user_id: str) -> dict[str, object]:
    return {
        "platform": platform,
        "community_id": community,
        "user_id": user_id,
        "display_name": f"user {user_id}",
        "reason": None,
        "issued_by_id": "1",
        "issued_by_name": "Alice",
        "issued_at": NOW,
        "expires_at": NOW + timedelta(days=30),
        "case_id": None,
    }


async def test_existing_warnings_get_their_accounts_person(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade(engine, "0040")
        await upgrade(engine, "0070")
        warnings = EscalationWarningRow.__table__
        persons, accounts = PersonRow.__table__, PersonAccountRow.__table__
        async with engine.begin() as connection:
            known = (
                await connection.execute(
                    insert(persons).values(created_at=NOW).returning(persons.c.id)
                )
            ).scalar_one()
            await connection.execute(
                insert(accounts).values(
                    platform="discord",
                    user_id="8001",
                    person_id=known,
                    display_name="Mallory",
                    bot="dc",
                    created_at=NOW,
                    linked_at=NOW,
                )
            )
            await connection.execute(
                insert(warnings).values(
                    [
                        warning("discord", "g1", "8001"),
                        warning("telegram", "-1001", "201"),
                        warning("telegram", "-1002", "201"),
                        warning("telegram-ptb", "-1003", "301"),
                    ]
                )
            )
        await upgrade(engine)
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(warnings.c.platform, warnings.c.user_id, warnings.c.person_id)
                )
            ).all()
            owned = {
                (row.platform, row.user_id): row.person_id
                for row in await connection.execute(select(accounts))
            }
        by_account = {(platform, user_id): person for platform, user_id, person in rows}
        assert by_account[("discord", "8001")] == known  # the person it already had
        assert len({person for platform, _u, person in rows if platform == "telegram"}) == 1
        assert by_account[("telegram", "201")] == owned[("telegram", "201")] != known
        assert by_account[("telegram-ptb", "301")] == owned[("telegram", "301")]
        assert None not in by_account.values()
    finally:
        await engine.dispose()
